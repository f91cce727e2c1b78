"""The learning loop in Debian's Chromium: "Meinten Sie …?" for a vague question, staff teach the citizen's
wording from the analytics page, and duplicates from an imported file are flagged and merged."""

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

from services.chatbot.actions.knowledge import import_entries
from services.chatbot.models import Entry, EntryAlias
from tests.conftest import host_client

from ..browser import ARTIFACTS, browser_page
from .conftest import TOWN_FAQ

pytestmark = pytest.mark.browser

MOVED = "Ich bin umgezogen. Wo melde ich meinen neuen Wohnsitz an?"


def ask_in_widget(page, question: str):
    """The bot's reply to this question (a returning citizen sees the earlier conversation above it)."""
    widget = page.get_by_role("region", name="Fragen Sie uns")
    page.locator(".kvb-chat[data-ready='1']").wait_for()  # the earlier conversation is on screen
    widget.get_by_label("Ihre Frage").fill(question)
    replies = widget.locator(".kvb-bot")
    before = replies.count()
    widget.get_by_role("button", name="Senden").click()
    reply = replies.nth(before)
    reply.wait_for()
    return reply


def staff_cookies(town, user) -> list[dict]:
    """A staff session from Django's own login (the SSO sign-in has its own browser test); made before the
    browser starts, as Django refuses database work inside Playwright's event loop."""
    client = host_client(town.host, user)
    return [{"name": name, "value": morsel.value, "domain": town.host, "path": "/"}
            for name, morsel in client.cookies.items()]


def test_did_you_mean_then_staff_teach_the_wording(live_server, committed_town, member_factory):
    town = committed_town("Lernstadt", "09999821")
    with schema_context(town.schema_name):
        assert import_entries(TOWN_FAQ, actor="pytest", town=town).ok
    cache.clear()
    port = live_server.url.rsplit(":", 1)[1]
    demo = f"http://{town.host}:{port}/chatbot/demo/"
    cookies = staff_cookies(town, member_factory(town))
    with browser_page() as page:
        page.goto(demo)
        offer = ask_in_widget(page, "Bürgerbüro")
        offer.get_by_text("Meinten Sie").wait_for()
        assert offer.get_by_role("button", name="Mit einem Menschen sprechen").is_visible()
        page.screenshot(path=ARTIFACTS / "chatbot-did-you-mean.png", full_page=True)
        offer.get_by_role("button", name=MOVED).click()
        page.get_by_text("Wohnungsgeberbestätigung").wait_for()
        page.screenshot(path=ARTIFACTS / "chatbot-did-you-mean-picked.png", full_page=True)

        page.context.add_cookies(cookies)
        page.goto(f"http://{town.host}:{port}/chatbot/analytics/")
        row = page.get_by_role("row").filter(has_text="Bürgerbüro").filter(
            has=page.get_by_role("button", name="Variante hinzufügen"))
        # The entry the citizen chose is filled in already.
        assert row.get_by_label("Als Frage-Variante zu Eintrag (ID) hinzufügen").input_value() == "umzug"
        page.screenshot(path=ARTIFACTS / "chatbot-analytics-teach.png", full_page=True)
        row.get_by_role("button", name="Variante hinzufügen").click()
        # The analytics page already has its heading: the confirmation shows the variant was stored.
        page.get_by_text("als Variante zu Eintrag umzug hinzugefügt").wait_for()

        page.goto(demo)
        answer = ask_in_widget(page, "Bürgerbüro")
        answer.get_by_text("KI-generierte Antwort").wait_for()
        assert "Wohnungsgeberbestätigung" in answer.inner_text()
        assert answer.get_by_role("link", name=MOVED).is_visible()
        page.screenshot(path=ARTIFACTS / "chatbot-taught-answer.png", full_page=True)


def test_imported_duplicates_are_flagged_and_merged(live_server, committed_town, member_factory, tmp_path):
    town = committed_town("Doppelstadt", "09999822")
    with schema_context(town.schema_name):
        assert import_entries(TOWN_FAQ, actor="pytest", town=town).ok
    upload = tmp_path / "wissensbasis.tsv"
    upload.write_text("id\tquestion\tanswer\n"
                      "perso-2\tWie beantrage ich einen neuen Personalausweis?\tIm Bürgerbüro, mit biometrischem Passfoto.\n"
                      "freibad\tWann hat das Freibad geöffnet?\tVon Mai bis September täglich von 9 bis 20 Uhr.\n",
                      encoding="utf-8")
    port = live_server.url.rsplit(":", 1)[1]
    cookies = staff_cookies(town, member_factory(town))
    with browser_page() as page:
        page.context.add_cookies(cookies)
        page.goto(f"http://{town.host}:{port}/chatbot/")
        page.locator("input[type=file]").set_input_files(str(upload))
        page.get_by_role("button", name="Importieren").click()
        page.goto(f"http://{town.host}:{port}/chatbot/?similar=1")
        flagged = page.get_by_role("row").filter(has_text="ähnelt Eintrag perso")
        assert flagged.count() == 1 and "perso-2" in flagged.inner_text()
        page.screenshot(path=ARTIFACTS / "chatbot-duplicates-flagged.png", full_page=True)
        flagged.get_by_role("button", name="Mit Eintrag perso zusammenführen").click()
        page.wait_for_load_state()

        # The old id still finds the merged entry; the export carries the kept entry only.
        page.goto(f"http://{town.host}:{port}/chatbot/?q=perso-2")
        assert page.get_by_role("row").filter(has_text="Wie beantrage ich einen neuen Personalausweis?").count() == 1
        page.screenshot(path=ARTIFACTS / "chatbot-merged-lookup.png", full_page=True)
        export = page.evaluate("url => fetch(url).then(response => response.text())", "/chatbot/export.csv")
        assert "perso" in export and "perso-2" not in export
    with schema_context(town.schema_name):
        assert EntryAlias.objects.get(external_id="perso-2").entry.external_id == "perso"
        assert not Entry.objects.filter(external_id="perso-2").exists()
        assert Entry.objects.filter(external_id="freibad").exists()
