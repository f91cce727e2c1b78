"""Analytics without personal data: counters per day, scrubbed unanswered questions."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from services.chatbot.text import scrub_personal_data

COUNTERS = ("questions", "answered", "suggested", "picked", "escalations", "helpful", "not_helpful")


def count(**fields: int) -> None:
    """Add to today's counters in one statement (an upsert: no race between two first questions of a day)."""
    names = [name for name in COUNTERS if fields.get(name)]
    if not names:
        return
    # A changed vote may subtract; counters never go below zero (e.g. a vote changed on a later day).
    values = [max(0, fields.get(name, 0)) for name in COUNTERS]
    updates = ", ".join(f"{name} = GREATEST(chatbot_dailystat.{name} + %s, 0)" for name in names)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO chatbot_dailystat (day, {', '.join(COUNTERS)}) "
                       f"VALUES (%s, {', '.join(['%s'] * len(COUNTERS))}) "
                       f"ON CONFLICT (day) DO UPDATE SET {updates}",
                       [timezone.localdate(), *values, *[fields[name] for name in names]])


def note_unanswered(question: str) -> None:
    text = scrub_personal_data(question)
    if not text:
        return
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO chatbot_unansweredquestion (text, count, last_asked) VALUES (%s, 1, %s) "
                       "ON CONFLICT (text) DO UPDATE SET count = chatbot_unansweredquestion.count + 1, "
                       "last_asked = EXCLUDED.last_asked", [text, timezone.localdate()])


def note_suggested(question: str, picked=None) -> None:
    """A "Did you mean …?" question; with ``picked``, the entry the citizen chose from the candidates."""
    text = scrub_personal_data(question)
    if not text:
        return
    with connection.cursor() as cursor:
        if picked is None:
            cursor.execute("INSERT INTO chatbot_suggestedquestion (text, count, last_asked) VALUES (%s, 1, %s) "
                           "ON CONFLICT (text) DO UPDATE SET count = chatbot_suggestedquestion.count + 1, "
                           "last_asked = EXCLUDED.last_asked", [text, timezone.localdate()])
        else:
            cursor.execute("INSERT INTO chatbot_suggestedquestion (text, count, last_asked, picked_id) "
                           "VALUES (%s, 1, %s, %s) ON CONFLICT (text) DO UPDATE SET picked_id = EXCLUDED.picked_id",
                           [text, timezone.localdate(), picked.pk])
