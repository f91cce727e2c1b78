"""Polar words with negation: the second signal of the sentiment suggestion, beside the e5 vector.

The German polarity lexicon (about 8,000 words, after Klenner, Clematide et al.) ships inside the
``textblob-de`` package (MIT; the lexicon file itself is under the Apache License 2.0) as
``data/de-sentiment.xml``. Only that file is read; textblob itself is not imported.

A polar word counts against its sign when a negation ("nicht", "kein", "nie", "ohne" …) stands
within three words before it or right after it in the same clause ("gefällt mir nicht");
intensifiers ("sehr", "total") weigh it more. Words of the lexicon that in participation and
service texts name a subject rather than judge it (a "Baustelle", a "Ausfall" reported as news) keep
their polarity: the classifier weighs these features against the embedding.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np

from services.feedback.analysis import text as textlib

NEGATIONS = frozenset("nicht kein keine keinen keinem keiner keines nie niemals nirgends ohne kaum nichts "
                      "weder".split())
INTENSIFIERS = {"sehr": 1.5, "total": 1.5, "extrem": 1.5, "völlig": 1.5, "absolut": 1.5, "echt": 1.3,
                "wirklich": 1.3, "richtig": 1.3, "besonders": 1.3, "ziemlich": 1.2, "super": 1.3, "mega": 1.5,
                "äußerst": 1.5, "höchst": 1.5, "so": 1.2, "zu": 1.2}
CLAUSE = re.compile(r"[.!?;:,()\n–-]+\s")
POSITIVE_SIGNS = re.compile(r"(:-?\)|;-?\)|:-?D|\bxD\b|[😀😃😄😁😊🙂😍👍👏❤♥🎉])")
NEGATIVE_SIGNS = re.compile(r"(:-?\(|:'\(|:-?/|[😠😡🤬😤😞😒🙄👎😢😭💩])")
FEATURES = ("positive", "negative", "positive words", "negative words", "negated", "exclamation", "question",
            "positive signs", "negative signs")


def _lexicon_path() -> Path:
    spec = importlib.util.find_spec("textblob_de")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The German polarity lexicon needs the package textblob-de (pip install textblob-de).")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "de-sentiment.xml"


@functools.cache
def polarity() -> dict[str, float]:
    """Lower-cased word form → polarity in [-1, 1] (zero-polarity entries left out)."""
    words: dict[str, float] = {}
    for element in ElementTree.parse(_lexicon_path()).getroot().iter("word"):
        form, value = element.get("form", "").strip().lower(), float(element.get("polarity") or 0)
        if form and value and abs(value) > abs(words.get(form, 0.0)):
            words[form] = value
    return words


def _word_polarity(token: str, words: dict[str, float]) -> float:
    low = token.lower()
    if low in words:
        return words[low]
    return words.get(textlib.lemma(token), 0.0)


def features(text: str) -> np.ndarray:
    """The polar evidence of ``text`` as ``len(FEATURES)`` numbers of similar scale (0 … ~2)."""
    words = polarity()
    positive = negative = 0.0
    counts = [0, 0]
    negated = 0
    for clause in CLAUSE.split(text or ""):
        tokens = textlib.tokens(clause)
        lowered = [t.lower() for t in tokens]
        for i, token in enumerate(tokens):
            value = _word_polarity(token, words)
            if not value or lowered[i] in NEGATIONS:
                continue
            before = lowered[max(0, i - 3):i]
            if any(w in NEGATIONS for w in before) or (i + 1 < len(lowered) and lowered[i + 1] in NEGATIONS):
                value, negated = -value * 0.8, negated + 1
            if i and lowered[i - 1] in INTENSIFIERS:
                value *= INTENSIFIERS[lowered[i - 1]]
            if value > 0:
                positive += value
                counts[0] += 1
            else:
                negative -= value
                counts[1] += 1
    raw = text or ""
    return np.array([
        math.log1p(positive), math.log1p(negative), min(counts[0], 3) / 3, min(counts[1], 3) / 3,
        min(negated, 2) / 2, min(raw.count("!"), 3) / 3, float("?" in raw),
        float(bool(POSITIVE_SIGNS.search(raw))), float(bool(NEGATIVE_SIGNS.search(raw))),
    ], dtype=np.float32)


def feature_matrix(texts: list[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    return np.vstack([features(t) for t in texts])
