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
WITH fresh AS MATERIALIZED (SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM chatbot_entry')),
gone AS (DELETE FROM chatbot_term t WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.word = t.lexeme))
INSERT INTO chatbot_term (lexeme, entries) SELECT word, ndoc FROM fresh
ON CONFLICT (lexeme) DO UPDATE SET entries = EXCLUDED.entries WHERE chatbot_term.entries <> EXCLUDED.entries
"""


def reindex(entry_ids: list[int]) -> None:
    """Recompute every search column of these entries (batch embeddings; one UPDATE for full text)."""
    if not entry_ids:
        return
    entries = list(Entry.objects.filter(pk__in=entry_ids).only("pk", "question", "answer_text"))
    vectors = embedding.embed_passages([f"{e.question}\n{e.answer_text}" for e in entries])
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
    if len(entry_ids) >= 50:
        with connection.cursor() as cursor:
            # Fresh statistics after a bulk change, or the planner scans the wrong way round
            # until autovacuum gets to these tables (retrieval also reads the entry count from them).
            cursor.execute("ANALYZE chatbot_entry, chatbot_phrasing, chatbot_term")


def refresh_terms() -> None:
    """Count anew in how many entries each lexeme occurs (after entries changed or were deleted)."""
    with connection.cursor() as cursor:
        cursor.execute(TERMS_SQL)
