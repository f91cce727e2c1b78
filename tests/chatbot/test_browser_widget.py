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


def test_citizen_escalates_without_consent_comes_back_and_reads_the_reply(live_server, committed_town,
                                                                         django_user_model):
    """The journey a citizen takes, every page checked with axe-core at desktop and at 390 px."""
    from django.test import Client

    from tenants.models import Membership, Role

    from ..browser import check_page

    town = committed_town("Rückfragedorf", "09999812")
    with schema_context(town.schema_name):
        assert import_entries(TOWN_FAQ, actor="pytest", town=town).ok
    cache.clear()
    staff = django_user_model.objects.create_user("sachbearbeitung")
    Membership.objects.create(user=staff, town=town, role=Role.TOWN_STAFF)
    signed_in = Client(HTTP_HOST=town.host)
    signed_in.force_login(staff)
    port = live_server.url.rsplit(":", 1)[1]
    demo = f"http://{town.host}:{port}/chatbot/demo/"
    question = "Wann hat das Freibad im Sommer geöffnet?"
    with browser_page() as page:
        page.goto(demo)
        widget = page.get_by_role("region", name="Fragen Sie uns")
        for number in range(8):  # enough to fill the conversation area
            widget.get_by_label("Ihre Frage").fill(question if number == 7 else "Muss ich meinen Hund anmelden?")
            widget.get_by_role("button", name="Senden").click()
            widget.locator(".kvb-bot").nth(number).wait_for()
        log = widget.get_by_role("log")
        # The conversation scrolls inside the widget; the page does not grow with it.
        assert log.evaluate("node => node.scrollHeight > node.clientHeight")
        assert log.evaluate("node => getComputedStyle(node).overflowY") == "auto"
        unknown = widget.locator(".kvb-bot").nth(7)
        unknown.get_by_text("keine verlässliche Antwort").wait_for()
        unknown.get_by_role("button", name="Mit einem Menschen sprechen").click()
        check_page(page, "journey-citizen-asks")

        # An address typed without consent is neither sent nor silently dropped: the widget says so.
        unknown.get_by_label("E-Mail-Adresse (freiwillig)").fill("buerger@example.org")
        unknown.get_by_role("button", name="Frage weitergeben").click()
        hint = unknown.get_by_role("alert")
        hint.get_by_text("Ohne Ihre Einwilligung speichern wir die E-Mail-Adresse nicht").wait_for()
        assert unknown.get_by_label("Ich bin einverstanden", exact=False).get_attribute("aria-invalid") == "true"
        check_page(page, "journey-citizen-consent-asked")
        # The citizen decides against it: no address, the reply is read here.
        unknown.get_by_label("E-Mail-Adresse (freiwillig)").fill("")
        unknown.get_by_role("button", name="Frage weitergeben").click()
        widget.get_by_text("wenn Sie zu diesem Gespräch zurückkehren", exact=False).wait_for()

        # Staff answer in the inbox (signed in through the portal's session).
        staff_page = page.context.new_page()
        page.context.add_cookies([{"name": "sessionid", "value": signed_in.cookies["sessionid"].value,
                                   "url": f"http://{town.host}:{port}/"}])
        staff_page.goto(f"http://{town.host}:{port}/chatbot/inbox/")
        check_page(staff_page, "journey-staff-inbox")
        staff_page.get_by_role("link", name=question).first.click()
        staff_page.get_by_label("Antwort an die Bürgerin oder den Bürger").wait_for()
        check_page(staff_page, "journey-staff-case")
        staff_page.get_by_label("Antwort an die Bürgerin oder den Bürger").fill(
            "Das Freibad hat von Mai bis September täglich von 9 bis 20 Uhr geöffnet.")
        staff_page.get_by_role("button", name="Antwort senden").click()
        staff_page.wait_for_load_state()
        staff_page.close()

        # The citizen comes back: the question stands beside the staff's reply.
        page.reload()
        widget = page.get_by_role("region", name="Fragen Sie uns")
        reply = widget.locator(".kvb-staff")
        reply.get_by_text("von Mai bis September").wait_for()
        assert question in reply.inner_text()
        assert question in widget.locator(".kvb-you").last.inner_text()
        check_page(page, "journey-citizen-returns")
    with schema_context(town.schema_name):
        case = Case.objects.get(question=question)
    assert case.contact_email == "" and not case.contact_consent and case.reply.startswith("Das Freibad")
