"""Demo knowledge base: every town subscribed to the chatbot gets the project's own German FAQ.

The file is ``faq_musterstadt.tsv`` beside this module (written for the demo, no third-party
text). Importing it again changes nothing, so ``make demo`` stays idempotent.
"""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django_tenants.utils import schema_context

FAQ = Path(__file__).with_name("faq_musterstadt.tsv")


def ensure_demo_knowledge(towns, services: dict[int, list[str]]) -> dict[int, int]:
    """Imports the demo FAQ into each town with the chatbot; returns entry counts by town id."""
    if not apps.is_installed("services.chatbot"):
        return {}
    from services.chatbot.formats import read_rows
    from services.chatbot.knowledge import import_entries
    from services.chatbot.models import Entry

    rows = read_rows(FAQ.read_bytes(), FAQ.name)
    counts: dict[int, int] = {}
    for town in towns:
        if "chatbot" not in services.get(town.pk, []):
            continue
        with schema_context(town.schema_name):
            report = import_entries(rows, actor="demo", town=town)
            if not report.ok:
                raise RuntimeError(f"demo FAQ for {town.name}: {report.errors}")
            counts[town.pk] = Entry.objects.count()
    return counts
