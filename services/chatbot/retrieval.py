"""Hybrid retrieval in German: full text (german stemmer + unaccent), trigrams, e5 embeddings.

Each signal nominates candidates (GIN tsvector index, GiST trigram KNN, exact
cosine scan over phrasings); every candidate is then scored on all signals in
the same statement, and a linear fusion of the calibrated signals ranks them.
Why three: full text finds exact terms but misses compounds ("Kindergeldantrag"
vs "Antrag auf Kindergeld") and paraphrases; trigrams catch spelling variants
and compounds; embeddings catch paraphrases and other languages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from services.chatbot import embedding
from services.chatbot.text import normalise

CANDIDATES = 30

SEARCH_SQL = """
WITH q AS (
    SELECT NULLIF(replace(plainto_tsquery('german', public.unaccent(%(text)s))::text, ' & ', ' | '), '')::tsquery
           AS tsq,
           %(vec)s::vector AS vec, %(norm)s::text AS norm
), valid AS (
    SELECT e.id FROM chatbot_entry e
    WHERE (e.valid_from IS NULL OR e.valid_from <= %(today)s) AND (e.valid_until IS NULL OR e.valid_until >= %(today)s)
), cand AS (
    (SELECT e.id FROM chatbot_entry e, q WHERE q.tsq IS NOT NULL AND e.search_vector @@ q.tsq
     ORDER BY ts_rank(%(weights)s::float4[], e.search_vector, q.tsq) DESC LIMIT %(k)s)
    UNION
    -- the literal (not q.norm) lets the GiST trigram index serve this KNN ordering
    (SELECT p.entry_id FROM chatbot_phrasing p ORDER BY p.norm <-> %(norm)s::text LIMIT %(k)s)
    UNION
    (SELECT p.entry_id FROM chatbot_phrasing p, q ORDER BY p.embedding <=> q.vec LIMIT %(k)s)
    -- No candidates by the entries' passage embedding: an exact scan costs as much as the one
    -- above and added no hits that full text or phrasings missed; it is still scored below.

)
SELECT e.id,
       COALESCE(ts_rank(%(weights)s::float4[], e.search_vector, q.tsq), 0) AS fts,
       (SELECT max(public.similarity(p.norm, q.norm)) FROM chatbot_phrasing p WHERE p.entry_id = e.id) AS trgm,
       (SELECT max(1 - (p.embedding <=> q.vec)) FROM chatbot_phrasing p WHERE p.entry_id = e.id) AS dense_q,
       COALESCE(1 - (e.embedding <=> q.vec), 0) AS dense_p
FROM chatbot_entry e JOIN cand ON cand.id = e.id JOIN valid ON valid.id = e.id, q
"""
# ts_rank weights for D, C, B, A: answer text counts, but a match in the question counts most.
FTS_WEIGHTS = "{0.05, 0.2, 0.6, 1.0}"

# Fusion weights and calibration. e5 cosines between unrelated German questions sit
# around 0.80–0.87 and above 0.92 for paraphrases, so they are rescaled from that band.
# Calibrated on hand-written municipal questions, in and out of a knowledge base's domain
# (see tests/chatbot), not on any benchmark file.
W_DENSE_Q, W_DENSE_P, W_FTS, W_TRGM = 0.45, 0.25, 0.15, 0.15
DENSE_FLOOR, DENSE_CEIL = 0.84, 0.97
FTS_HALF = 0.3  # the ts_rank at which the full-text signal counts half
# Logistic calibration of the fused score (and the lead over the runner-up) to a confidence.
CONF_CENTER, CONF_SLOPE, MARGIN_SLOPE = 0.40, 14.0, 6.0


@dataclass
class Hit:
    entry_id: int
    score: float
    fts: float
    trgm: float
    dense_q: float
    dense_p: float


@dataclass
class SearchResult:
    hits: list[Hit]
    confidence: float


def _rescale(cosine: float | None) -> float:
    if cosine is None:
        return 0.0
    return min(1.0, max(0.0, (cosine - DENSE_FLOOR) / (DENSE_CEIL - DENSE_FLOOR)))


def fuse(fts: float, trgm: float | None, dense_q: float | None, dense_p: float | None) -> float:
    fts_n = fts / (fts + FTS_HALF)  # ts_rank is unbounded; saturate it
    return (W_DENSE_Q * _rescale(dense_q) + W_DENSE_P * _rescale(dense_p) + W_FTS * fts_n
            + W_TRGM * (trgm or 0.0))


def confidence(hits: list[Hit]) -> float:
    if not hits:
        return 0.0
    margin = hits[0].score - (hits[1].score if len(hits) > 1 else 0.0)
    z = CONF_SLOPE * (hits[0].score - CONF_CENTER) + MARGIN_SLOPE * margin
    return 1 / (1 + math.exp(-z))


def search(question: str, *, limit: int = 5, vector=None) -> SearchResult:
    """Best entries for ``question`` in the current town's schema, with a confidence in [0, 1]."""
    if vector is None:
        vector = embedding.embed_query(question.strip()[:1000])
    params = {"text": question, "norm": normalise(question), "vec": "[" + ",".join(f"{x:.6f}" for x in vector) + "]",
              "today": timezone.localdate(), "k": CANDIDATES, "weights": FTS_WEIGHTS}
    with connection.cursor() as cursor:
        cursor.execute(SEARCH_SQL, params)
        rows = cursor.fetchall()
    hits = [Hit(entry_id, fuse(fts, trgm, dq, dp), fts, trgm or 0.0, dq or 0.0, dp or 0.0)
            for entry_id, fts, trgm, dq, dp in rows]
    hits.sort(key=lambda h: (-h.score, h.entry_id))
    return SearchResult(hits[:limit], confidence(hits))
