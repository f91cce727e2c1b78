"""The API's JSON parser: DRF's, refusing bodies nested deeper than any request of the API needs."""

from __future__ import annotations

import codecs
import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings
from rest_framework.utils import json as drf_json

from core.uploads import UploadRejected, check_json_depth

MAX_DEPTH = 32


class SafeJSONParser(JSONParser):
    """A 400, never a server error, for deep nesting (the parser would recurse), huge numbers, bad encodings."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - the body is not {encoding} text: {exc}") from None
        try:
            check_json_depth(text, MAX_DEPTH)
        except UploadRejected:
            raise ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels deep.") from None
        try:
            if api_settings.STRICT_JSON:
                return drf_json.loads(text)
            return json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {str(exc)[:200]}") from None
