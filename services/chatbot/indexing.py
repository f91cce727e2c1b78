"""Keeps the search columns of entries current: full-text vector, trigram text, embeddings, term counts."""

from __future__ import annotations

from django.db import connection

from core import embedding
from services.chatbot.models import Entry, Phrasing
from services.chatbot.text import normalise

# unaccent before the German stemmer on both sides (documents and questions), so
# "Fuehrerschein", "Führerschein" and "Fuhrerschein" meet.
SEARCH_VECTOR_SQL = """
UPDATE chatbot_entry e SET search_vector =
    setweight(to_tsvector('german', public.unaccent(e.question)), 'A')
    || setweight(to_tsvector('german', public.unaccent(coalesce(
        (SELECT string_agg(p.text, ' ') FROM chatbot_phrasing p WHERE p.entry_id = e.id AND NOT p.is_primary), ''))),
        'B')
    || setweight(to_tsvector('german', public.unaccent(array_to_string(e.tags, ' '))), 'B')
    || setweight(to_tsvector('german', public.unaccent(e.answer_text)), 'C')
WHERE e.id = ANY(%s)
"""
# ts_stat reads every entry's vector once (about 30 ms for 5,000 entries); only counts that changed are
# written, so editing one entry does not rewrite (and leave for vacuum) every lexeme's row.
TERMS_SQL = """
WITH fresh AS MATERIALIZED (SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM chatbot_entry WHERE deleted_at IS NULL')),
gone AS (DELETE FROM chatbot_term t WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.word = t.lexeme))
INSERT INTO chatbot_term (lexeme, entries) SELECT word, ndoc FROM fresh
ON CONFLICT (lexeme) DO UPDATE SET entries = EXCLUDED.entries WHERE chatbot_term.entries <> EXCLUDED.entries
"""


# The whole answer, up to what the model reads (512 tokens): on the public paraphrases the first
# 600 characters found the right entry first for 0.29 of the questions, the whole answer for 0.32.
PASSAGE_CHARS = 2000

# Near-identical entries ("resembles entry 24"): e5 cosines of two differently worded questions on the
# same matter reach about 0.93-0.95, of the same question in other words 0.97 and more.
SIMILAR_QUESTION = 0.97
# Two answers that share nine in ten trigrams say the same, whatever the questions.
SIMILAR_ANSWER = 0.9
# For each entry: the nearest other entry by question (primary phrasings) and by question and answer
# (the entries' passage vectors) — both through the HNSW index — and how alike the answers' texts are.
NEAREST_SQL = """
SELECT e.id, nq.entry_id, nq.cos, np.id, np.cos, public.similarity(e.answer_text, np.answer_text)
FROM chatbot_entry e
JOIN chatbot_phrasing p ON p.entry_id = e.id AND p.is_primary
LEFT JOIN LATERAL (
    SELECT q.entry_id, 1 - (q.embedding <=> p.embedding) AS cos FROM chatbot_phrasing q
    WHERE q.is_primary AND q.entry_id <> e.id
      AND NOT EXISTS (SELECT 1 FROM chatbot_entry d WHERE d.id = q.entry_id AND d.deleted_at IS NOT NULL)
    ORDER BY q.embedding <=> p.embedding LIMIT 1) nq ON true
LEFT JOIN LATERAL (
    SELECT o.id, o.answer_text, 1 - (o.embedding <=> e.embedding) AS cos FROM chatbot_entry o
    WHERE o.id <> e.id AND o.deleted_at IS NULL ORDER BY o.embedding <=> e.embedding LIMIT 1) np ON true
WHERE e.id = ANY(%s)
"""


def reindex(entry_ids: list[int], *, find_duplicates: bool = True, passages: bool = True) -> None:
    """Recompute every search column of these entries (batch embeddings; one UPDATE for full text).

    ``passages=False`` keeps the entries' question-and-answer vectors: for changes that leave both
    texts as they are (a new question variant, a merge).
    """
    if not entry_ids:
        return
    if passages:
        entries = list(Entry.objects.filter(pk__in=entry_ids).only("pk", "question", "answer_text"))
        vectors = embedding.embed_passages([f"{e.question}\n{e.answer_text}" for e in entries],
                                           chars=PASSAGE_CHARS)
        for entry, vector in zip(entries, vectors, strict=True):
            entry.embedding = vector
        Entry.objects.bulk_update(entries, ["embedding"], batch_size=500)
    phrasings = list(Phrasing.objects.filter(entry_id__in=entry_ids).filter(embedding__isnull=True))
    vectors = embedding.embed_queries([p.text for p in phrasings])
    for phrasing, vector in zip(phrasings, vectors, strict=True):
        phrasing.embedding = vector
        phrasing.norm = normalise(phrasing.text)
    Phrasing.objects.bulk_update(phrasings, ["embedding", "norm"], batch_size=500)
    with connection.cursor() as cursor:
        cursor.execute(SEARCH_VECTOR_SQL, [list(entry_ids)])
    refresh_terms()
    if find_duplicates:
        flag_similar(entry_ids)
    if len(entry_ids) >= 50:
        with connection.cursor() as cursor:
            # Fresh statistics after a bulk change, or the planner scans the wrong way round
            # until autovacuum gets to these tables (retrieval also reads the entry count from them).
            cursor.execute("ANALYZE chatbot_entry, chatbot_phrasing, chatbot_term")


def refresh_terms() -> None:
    """Count anew in how many entries each lexeme occurs (after entries changed or were deleted)."""
    with connection.cursor() as cursor:
        cursor.execute(TERMS_SQL)


def flag_similar(entry_ids: list[int]) -> int:
    """Mark each of these entries that resembles another (question or answer near-identical); how many.

    Of two near-identical entries only the later one is flagged, unless the earlier one was the one
    changed; a flag staff dismissed stays dismissed while the entry resembles the same other entry.
    """
    touched = set(entry_ids)
    with connection.cursor() as cursor:
        cursor.execute(NEAREST_SQL, [list(entry_ids)])
        rows = cursor.fetchall()
    current = {e.pk: e for e in Entry.objects.filter(pk__in=entry_ids).only(
        "pk", "similar_to_id", "similarity", "similarity_dismissed")}
    changed, flagged = [], 0
    for entry_id, by_question, question_cos, by_answer, _passage_cos, answer_sim in rows:
        other, score = None, None
        if by_question is not None and question_cos is not None and question_cos >= SIMILAR_QUESTION:
            other, score = by_question, question_cos
        elif by_answer is not None and answer_sim is not None and answer_sim >= SIMILAR_ANSWER:
            other, score = by_answer, answer_sim
        if other is not None and other in touched and other > entry_id:
            other = score = None  # the later of the two carries the flag
        entry = current[entry_id]
        dismissed = entry.similarity_dismissed and entry.similar_to_id == other
        values = (other, round(score, 4) if score is not None else None, dismissed)
        if (entry.similar_to_id, entry.similarity, entry.similarity_dismissed) != values:
            entry.similar_to_id, entry.similarity, entry.similarity_dismissed = values
            changed.append(entry)
        flagged += other is not None and not dismissed
    Entry.objects.bulk_update(changed, ["similar_to", "similarity", "similarity_dismissed"], batch_size=500)
    return flagged
