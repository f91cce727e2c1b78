"""The public KI-Register of a newly onboarded town, as a citizen reads it: German throughout, accessible."""

import re
from decimal import Decimal

import pytest

from tenants.models import Town

from .browser import browser_page, check_page
from .catalog.conftest import subscribe_to_service

pytestmark = pytest.mark.browser

# Words that are English and not German: any of them on the German page is an untranslated text.
ENGLISH = {"the", "and", "of", "is", "are", "with", "for", "from", "which", "this", "that", "by", "or", "to",
           "data", "town", "towns", "risk", "risks", "limited", "minimal", "high", "impactful", "algorithm",
           "human", "oversight", "purpose", "citizens", "staff", "knowledge", "base", "legal", "basis", "none",
           "retention", "training", "sources", "mitigations", "active", "retired", "planned", "provider",
           "processor", "location", "contact", "answer", "answers", "question", "questions", "road", "roads",
           "damage", "feedback", "topics", "not", "used", "model", "models", "only", "each", "every", "after"}


def test_the_register_of_a_new_town_is_german_and_passes_axe(live_server, committed_town):
    from tenants.actions import TownData, onboard_town
    from tenants.schemas import drop_schema

    port = live_server.url.rsplit(":", 1)[1]
    town, _ = onboard_town(TownData(ags="09999813", name="Neuhausen", population=8000), activate=True)
    try:
        for key in ("chatbot", "feedback", "roads"):
            subscribe_to_service(town, key, title=f"AVV {key}", amount=Decimal("12000.00"))
        with browser_page() as page:
            page.goto(f"http://{town.host}:{port}/ki-register/")
            page.get_by_role("heading", level=1).wait_for()
            text = page.locator("main").inner_text()
            check_page(page, "journey-ki-register")
        words = {word.lower() for word in re.findall(r"[A-Za-zÄÖÜäöüß]+", text)}
        assert not words & ENGLISH, sorted(words & ENGLISH)
    finally:
        for made in Town.objects.filter(ags="09999813"):
            drop_schema(made.schema_name)
