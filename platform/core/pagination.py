"""Paging of every list in the API: a bounded page size and offset, a 400 for nonsense."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

MAX_LIMIT = 500
# Past this no list of the platform has rows; a larger number would only overflow the database's integers.
MAX_OFFSET = 10_000_000


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """``limit`` above ``MAX_LIMIT`` gives ``MAX_LIMIT`` rows; a malformed or too large ``offset`` is a 400."""

    max_limit = MAX_LIMIT

    def get_offset(self, request):
        raw = request.query_params.get(self.offset_query_param)
        if raw in (None, ""):
            return 0
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 12 or int(raw) > MAX_OFFSET:
            raise ValidationError({self.offset_query_param: f"offset must be a whole number from 0 to {MAX_OFFSET}."})
        return int(raw)

    def get_limit(self, request):
        raw = request.query_params.get(self.limit_query_param)
        if raw in (None, ""):
            return self.default_limit
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 12 or int(raw) < 1:
            raise ValidationError({self.limit_query_param: f"limit must be a whole number from 1 to {MAX_LIMIT}."})
        return min(int(raw), self.max_limit)
