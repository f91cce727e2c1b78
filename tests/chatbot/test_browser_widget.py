"""A citizen uses the embeddable widget on the demo page in Debian's Chromium."""

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

from services.chatbot.actions.knowledge import import_entries
from services.chatbot.models import Case

from ..browser import ARTIFACTS, browser_page
from .conftest import TOWN_FAQ

pytestmark = pytest.mark.browser


def test_citizen_gets_a_labelled_answer_and_escalates(live_server, committed_town, settings):
    town = committed_town("Chatstadt", "09999811")
    with schema_context(town.schema_name):
        assert import_entries(TOWN_FAQ, actor="pytest", town=town).ok
    cache.clear()
    port = live_server.url.rsplit(":", 1)[1]
    with browser_page() as page:
        page.goto(f"http://{town.host}:{port}/chatbot/demo/")
        widget = page.get_by_role("region", name="Fragen Sie uns")
        widget.get_by_label("Ihre Frage").fill("Mein Personalausweis ist abgelaufen, was muss ich tun?")
        widget.get_by_role("button", name="Senden").click()
        # The widget's styles (widget.css beside widget.js) are applied.
        assert widget.evaluate("node => getComputedStyle(node).borderTopStyle") == "solid"
        answer = widget.locator(".kvb-bot").first
        answer.get_by_text("KI-generierte Antwort").wait_for()
        assert "Bürgerbüro" in answer.inner_text()
        source = answer.get_by_role("link", name="Wie beantrage ich einen neuen Personalausweis?")
        assert source.get_attribute("href") == "https://www.amtsdorf.de/buergerbuero"
        assert answer.get_by_role("button", name="Mit einem Menschen sprechen").is_visible()
        page.screenshot(path=ARTIFACTS / "chatbot-widget-answer.png", full_page=True)

        widget.get_by_label("Ihre Frage").fill("Wann hat das Freibad im Sommer geöffnet?")
        widget.get_by_role("button", name="Senden").click()
        unknown = widget.locator(".kvb-bot").nth(1)
        unknown.get_by_text("keine verlässliche Antwort").wait_for()
        unknown.get_by_role("button", name="Mit einem Menschen sprechen").click()
        unknown.get_by_label("E-Mail-Adresse (freiwillig)").fill("buerger@example.org")
        unknown.get_by_label("Ich bin einverstanden", exact=False).check()
        unknown.get_by_role("button", name="Frage weitergeben").click()
        widget.get_by_text("Vielen Dank").wait_for()
        page.screenshot(path=ARTIFACTS / "chatbot-widget-escalated.png", full_page=True)
    with schema_context(town.schema_name):
        case = Case.objects.get()
    assert case.question == "Wann hat das Freibad im Sommer geöffnet?"
    assert case.contact_email == "buerger@example.org" and case.contact_consent
