"""Hybrid retrieval in German: full text (german stemmer + unaccent), trigrams, e5 embeddings.

Three signals nominate candidates: full text (GIN tsvector index) with the question's
informative terms, the phrasings' embeddings (HNSW) and the entries' passage embeddings
(question and whole answer, HNSW). Every
candidate is then scored on all signals in the same statement and a linear fusion of the
calibrated signals ranks them. Why three: full text finds exact terms (street names, fees,
form numbers) but misses compounds and paraphrases; trigrams reward spelling variants and
compounds; embeddings catch paraphrases, misspellings and other languages.

The dense signal is the better of two cosines: the question against each phrasing (the
entry's question and the citizens' wordings staff added) and the question, moved towards
the mean of its nearest passages (Rocchio feedback, ``FEEDBACK_ENTRIES``, ``FEEDBACK_WEIGHT``),
against the passage. Short citizens' questions say little; the passages they are nearest
say which matter they are about. The choices were measured on half of the public
paraphrases (entries with even ids) and reported on the other half (bench/chatbot_methods.py,
bench/README.md).

Trigrams score but do not nominate: a trigram nearest-neighbour search cost 6-7 ms
at 5,000 phrasings, more than the rest of the statement, and found no entry that
the other two missed (bench/chatbot.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from core import embedding
from services.chatbot.models import Entry
from services.chatbot.text import normalise

CANDIDATES = 30
# A term in more entries than this nominates no candidates by full text: 5% of the entries,
# at least 20 (an inverse document frequency below about 3).
COMMON_SHARE, COMMON_MIN = 0.05, 20

SEARCH_SQL = """
WITH q AS (
    SELECT NULLIF(replace(plainto_tsquery('german', public.unaccent(%(text)s))::text, ' & ', ' | '), '')::tsquery
           AS tsq,
           -- The informative terms only (see models.Term); the entry count is the planner's estimate.
           (SELECT NULLIF(string_agg(quote_literal(t.lexeme), ' | '), '')::tsquery
            FROM unnest(tsvector_to_array(to_tsvector('german', public.unaccent(%(text)s)))) AS w(lexeme)
            JOIN chatbot_term t ON t.lexeme = w.lexeme
            WHERE t.entries <= (SELECT greatest(%(least)s, reltuples * %(share)s) FROM pg_class
                                WHERE oid = 'chatbot_entry'::regclass)) AS rare,
           %(vec)s::vector AS vec, %(norm)s::text AS norm
), valid AS (
    SELECT e.id FROM chatbot_entry e
    WHERE e.deleted_at IS NULL
      AND (e.valid_from IS NULL OR e.valid_from <= %(today)s) AND (e.valid_until IS NULL OR e.valid_until >= %(today)s)
), near AS MATERIALIZED (
    -- the passages nearest the question (the literal lets the HNSW index serve this ordering): they
    -- nominate candidates, and the first few give the pseudo-relevance feedback ...
    SELECT e.id, e.embedding, row_number() OVER (ORDER BY e.embedding <=> %(vec)s::vector) AS rank
    FROM (SELECT e.id, e.embedding FROM chatbot_entry e WHERE e.embedding IS NOT NULL AND e.deleted_at IS NULL
          ORDER BY e.embedding <=> %(vec)s::vector LIMIT %(k)s) e
), fb AS MATERIALIZED (
    -- ... pulling the question towards their mean (the question comes pre-scaled by 1 / weight: cosines
    -- ignore length, so q / w + mean is q + w * mean)
    SELECT COALESCE(%(vec_scaled)s::vector + avg(near.embedding), %(vec)s::vector) AS vec FROM near
    WHERE near.rank <= %(feedback)s
), cand AS (
    (SELECT e.id FROM chatbot_entry e, q WHERE q.rare IS NOT NULL AND e.search_vector @@ q.rare
     ORDER BY ts_rank(%(weights)s::float4[], e.search_vector, q.rare) DESC LIMIT %(k)s)
    UNION
    -- the literal (not q.vec) lets the HNSW index serve this ordering
    (SELECT p.entry_id FROM chatbot_phrasing p ORDER BY p.embedding <=> %(vec)s::vector LIMIT %(k)s)
    UNION
    SELECT near.id FROM near
), signals AS (
    SELECT e.id,
           COALESCE(ts_rank(%(weights)s::float4[], e.search_vector, q.tsq), 0) AS fts,
           COALESCE((SELECT max(public.similarity(p.norm, q.norm)) FROM chatbot_phrasing p WHERE p.entry_id = e.id),
                    0) AS trgm,
           COALESCE((SELECT max(1 - (p.embedding <=> q.vec)) FROM chatbot_phrasing p WHERE p.entry_id = e.id),
                    0) AS dense_q,
           COALESCE(1 - (e.embedding <=> fb.vec), 0) AS dense_p
    FROM chatbot_entry e JOIN cand ON cand.id = e.id JOIN valid ON valid.id = e.id, q, fb
), scored AS (
    -- The fusion: the better cosine rescaled from its band, ts_rank (unbounded) saturated, trigrams as they are.
    -- Whether each candidate is the best of all candidates (before the LIMIT) by the phrasing cosine and by
    -- the passage cosine feeds the confidence. (A window over the candidates cost about 5 ms more at p50.)
    SELECT s.*,
           %(w_dense)s * least(1, greatest(0, (greatest(s.dense_q, s.dense_p - %(p_shift)s) - %(floor)s) / %(band)s))
           + %(w_fts)s * s.fts / (s.fts + %(fts_half)s)
           + %(w_trgm)s * s.trgm AS score,
           s.dense_q >= b.q AND s.dense_p >= b.p AS dense_best
    FROM signals s, (SELECT max(dense_q) AS q, max(dense_p) AS p FROM signals) b
)
SELECT s.id, s.score, s.fts, s.trgm, s.dense_q, s.dense_p, s.dense_best, {entry_columns}
FROM scored s JOIN chatbot_entry e ON e.id = s.id
ORDER BY s.score DESC, s.id LIMIT %(limit)s
"""
# What an answer shows of an entry, read in the same statement.
ENTRY_FIELDS = ("external_id", "question", "answer", "answer_text", "link", "source", "sensitive")
SEARCH_SQL = SEARCH_SQL.replace("{entry_columns}", ", ".join(f"e.{name}" for name in ENTRY_FIELDS))
# ts_rank weights for D, C, B, A: answer text counts, but a match in the question counts most.
FTS_WEIGHTS = "{0.05, 0.2, 0.6, 1.0}"

# Fusion weights. e5 cosines between unrelated German questions sit
# around 0.80–0.87 and above 0.92 for paraphrases, so they are rescaled from that band.
# Chosen on hand-written municipal questions, in and out of a knowledge base's domain
# (see tests/chatbot), not on any benchmark file. The dense weight is the sum of the two
# dense weights it replaced (question 0.45, passage 0.25).
W_DENSE, W_FTS, W_TRGM = 0.70, 0.15, 0.15
# Pseudo-relevance feedback: the question moves half-way (weight 0.5) towards the mean of its
# 3 nearest passages. Chosen among 3 or 5 passages and weights 0.5 or 1 on the public paraphrases
# of even-numbered entries; the odd-numbered half reports the figures (bench/README.md).
FEEDBACK_ENTRIES, FEEDBACK_WEIGHT = 3, 0.5
# After the feedback, a question's cosines with unrelated passages run higher than with unrelated
# questions: measured without any citizen's question, each FAQ question against the other entries
# (median 0.843 against 0.817, 90th percentile 0.876 against 0.855). The passage cosine is moved
# down by that much before the two meet in one band.
PASSAGE_SHIFT = 0.025
DENSE_FLOOR, DENSE_CEIL = 0.84, 0.97
FTS_HALF = 0.3  # the ts_rank at which the full-text signal counts half
# Logistic calibration to a confidence (the probability that the first hit is the right entry): a
# logistic regression of "first hit right" on the fused score and its lead over the runner-up, fitted
# on the public paraphrased questions about even-numbered entries (61; bench/chatbot_calibration.py)
# with coefficients kept non-negative (a higher score may not lower the confidence). The score's
# coefficient came out at that bound: on those paraphrases a high fused score was as often wrong as a
# low one, while the lead separated right from wrong; the confidence rests on the lead alone.
MARGIN_CENTER, MARGIN_SLOPE = 0.467, 2.72
# The two dense signals are independent readings of the question: its cosine with the entries' phrasings
# and, after the feedback, with their passages. When they name different best entries the first hit is
# right less often: on the public paraphrases about even-numbered entries 7 of 40 such first hits were
# right (0.175) against 9 of 21 where both named the first hit (0.429); the confidence is scaled by that
# ratio (bench/chatbot_calibration.py prints it; on the odd-numbered half the ratio was 0.39).
DISAGREEMENT_FACTOR = 0.41


@dataclass
class Hit:
    entry: Entry  # with the fields of ENTRY_FIELDS only
    score: float
    fts: float
    trgm: float
    dense_q: float
    dense_p: float
    # the best of all candidates by both the phrasing and the passage cosine
    dense_best: bool = True


@dataclass
class SearchResult:
    hits: list[Hit]
    confidence: float


def confidence(hits: list[Hit]) -> float:
    if not hits:
        return 0.0
    # A question written exactly as one of the best entry's phrasings (its own question or a citizen's wording
    # staff added as a variant), and as none of the runner-up's, is what staff already assigned to that entry.
    if hits[0].trgm >= 1.0 and (len(hits) < 2 or hits[1].trgm < 1.0):
        return 1.0
    margin = hits[0].score - (hits[1].score if len(hits) > 1 else 0.0)
    z = MARGIN_SLOPE * (margin - MARGIN_CENTER)
    calibrated = 1 / (1 + math.exp(-z))
    return calibrated if hits[0].dense_best else calibrated * DISAGREEMENT_FACTOR


def _literal(vector) -> str:
    return "[" + ",".join(f"{x:.6f}" for x in vector) + "]"


def search(question: str, *, limit: int = 5, vector=None) -> SearchResult:
    """Best entries for ``question`` in the current town's schema, with a confidence in [0, 1]."""
    if vector is None:
        vector = embedding.embed_query(question.strip()[:1000])
    params = {"text": question, "norm": normalise(question), "vec": _literal(vector),
              "vec_scaled": _literal([x / FEEDBACK_WEIGHT for x in vector]), "feedback": FEEDBACK_ENTRIES, "p_shift": PASSAGE_SHIFT,
              "today": timezone.localdate(), "k": CANDIDATES, "weights": FTS_WEIGHTS, "share": COMMON_SHARE,
              "least": COMMON_MIN, "w_dense": W_DENSE, "w_fts": W_FTS, "w_trgm": W_TRGM,
              "floor": DENSE_FLOOR, "band": DENSE_CEIL - DENSE_FLOOR, "fts_half": FTS_HALF,
              "limit": max(limit, 2)}  # the runner-up is needed for the confidence
    with connection.cursor() as cursor:
        cursor.execute(SEARCH_SQL, params)
        rows = cursor.fetchall()
    hits = [Hit(Entry.from_db(connection.alias, ["id", *ENTRY_FIELDS], [entry_id, *columns]),
                float(score), fts, trgm, dense_q, dense_p, dense_best)
            for entry_id, score, fts, trgm, dense_q, dense_p, dense_best, *columns in rows]
    return SearchResult(hits[:limit], confidence(hits))
