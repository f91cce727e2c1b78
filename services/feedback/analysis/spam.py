"""Likely spam: rules a person can read in the flag's reason (no learned model).

Flags are suggestions: staff confirm or clear them, and nothing is deleted.
"""

from __future__ import annotations

import re

URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
REPEAT = re.compile(r"(.)\1{7,}")
# Advertising and scam vocabulary seen in web-form spam, German and English.
SPAM_WORDS = re.compile(
    r"\b(casino|viagra|cialis|crypto|bitcoin|forex|loan|kredit ohne schufa|seo|backlinks?|porn|sex|"
    r"gewinnspiel|jetzt kaufen|buy now|click here|hier klicken|free money|rabattcode|bestellen sie jetzt)\b",
    re.IGNORECASE)


def reason(text: str) -> str:
    """Why ``text`` looks like spam, or "" if it does not."""
    text = text or ""
    stripped = text.strip()
    if not stripped:
        return "empty"
    letters = sum(map(str.isalpha, stripped))
    if letters < 3:
        return "no words"
    if len(URL.findall(stripped)) >= 2:
        return "several links"
    if SPAM_WORDS.search(stripped):
        return "advertising words"
    if REPEAT.search(stripped):
        return "repeated characters"
    words = stripped.split()
    if len(words) >= 6 and len(set(w.lower() for w in words)) <= len(words) / 4:
        return "repeated words"
    if letters >= 30 and sum(map(str.isupper, stripped)) / letters > 0.8:
        return "shouting"
    return ""
