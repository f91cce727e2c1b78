"""Text helpers: sanitising rich text, plain text for search, normalising for trigram matching."""

from __future__ import annotations

import html
import re
import unicodedata

import nh3

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "a", "h3", "h4", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_EMAIL = re.compile(r"\S+@\S+")
_DIGITS = re.compile(r"\d[\d\s/().+-]{3,}\d")


def sanitise_html(value: str) -> str:
    """Keep a small set of formatting tags and http(s)/mailto links; drop scripts, styles, handlers."""
    return nh3.clean(value or "", tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto", "tel"}, link_rel="noopener noreferrer").strip()


def plain_text(value: str) -> str:
    text = _TAG.sub(" ", (value or "").replace("<br>", "\n"))
    return _SPACE.sub(" ", html.unescape(text)).strip()


def normalise(value: str) -> str:
    """Lower case without accents or umlaut dots (ß → ss), single spaces: 'Bürgerbüro' → 'burgerburo'."""
    text = unicodedata.normalize("NFKD", (value or "").lower().replace("ß", "ss"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _SPACE.sub(" ", re.sub(r"[^\w\s]", " ", text)).strip()


def scrub_personal_data(value: str) -> str:
    """For statistics that outlive the logs: no e-mail addresses, no phone or file numbers."""
    return _SPACE.sub(" ", _DIGITS.sub("…", _EMAIL.sub("…", value or ""))).strip()[:300]
