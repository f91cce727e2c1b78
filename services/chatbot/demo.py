"""Demo knowledge base: each demo town subscribed to the chatbot gets the project's own German FAQ.

The file is ``demo_faq.tsv`` beside this module (written for the demo, no third-party text).
Importing it again changes nothing, so ``make demo`` stays idempotent.
"""

from __future__ import annotations

from pathlib import Path

FAQ = Path(__file__).with_name("demo_faq.tsv")


def seed(town) -> dict:
    """Runs in the town's schema (the demo's service-seed loop sets it)."""
    from services.chatbot.actions.knowledge import import_entries
    from services.chatbot.formats import read_rows
    from services.chatbot.models import Entry

    report = import_entries(read_rows(FAQ.read_bytes(), FAQ.name), actor="demo", town=town)
    if not report.ok:
        raise RuntimeError(f"demo FAQ for {town.name}: {report.errors}")
    return {"entries": Entry.objects.count(), "demo_page": f"{town.url.rstrip('/')}/chatbot/demo/"}
