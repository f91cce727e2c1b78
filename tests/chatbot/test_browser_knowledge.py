"""Town staff in Chromium: the dashboard, writing an entry with the preview, deleting after the confirmation,
and restoring it from the recycle bin."""

import re

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from services.chatbot.actions.knowledge import import_entries
from services.chatbot.models import Entry
from tenants.models import Membership, Role

from ..browser import ARTIFACTS, browser_page
from .conftest import TOWN_FAQ

pytestmark = pytest.mark.browser


def test_staff_write_delete_and_restore_entries_in_the_browser(live_server, committed_town, django_user_model):
    town = committed_town("Wissensdorf", "09999831")
    with schema_context(town.schema_name):
        assert import_entries(TOWN_FAQ, actor="pytest", town=town).ok
    user = django_user_model.objects.create_user("redakteurin", first_name="Rita", last_name="Redaktion")
    Membership.objects.create(user=user, town=town, role=Role.TOWN_STAFF)
    client = Client(HTTP_HOST=town.host)
    client.force_login(user)
    base = f"http://{town.host}:{live_server.url.rsplit(':', 1)[1]}"
    with browser_page() as page:
        page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                                   "domain": town.host, "path": "/"}])
        page.goto(f"{base}/")
        page.get_by_role("heading", name="Startseite von Wissensdorf").wait_for()
        assert page.get_by_role("link", name="Bürger-Chatbot").is_visible()
        page.screenshot(path=ARTIFACTS / "town-dashboard.png", full_page=True)

        page.goto(f"{base}/chatbot/entries/new/")
        page.get_by_label("Frage:", exact=True).fill("Wo bekomme ich einen Angelschein?")
        page.get_by_label("Antwort:", exact=True).fill("Im **Ordnungsamt**:\n\n- Ausweis\n- Passfoto\n\n[Formular](https://wissensdorf.de/angeln)")
        page.get_by_role("button", name="Vorschau").click()
        preview = page.locator(".answer-preview")
        preview.wait_for()
        assert preview.locator("strong", has_text="Ordnungsamt").is_visible()
        assert preview.locator("li").count() == 2
        page.screenshot(path=ARTIFACTS / "chatbot-entry-preview.png", full_page=True)
        page.get_by_role("button", name="Speichern").click()
        page.get_by_text("Eintrag „Wo bekomme ich einen Angelschein?“ gespeichert.").wait_for()

        page.get_by_role("link", name="wo-bekomme-ich-einen-angelschein").click()
        delete = page.get_by_role("button", name="Ja, diesen Eintrag in den Papierkorb verschieben")
        assert not delete.is_visible()  # only after opening the confirmation
        page.get_by_text("Eintrag löschen").click()
        assert page.get_by_text(re.compile("30 Tage lang wiederherstellen")).is_visible()
        page.screenshot(path=ARTIFACTS / "chatbot-entry-delete-confirm.png", full_page=True)
        delete.click()
        page.get_by_text(re.compile("liegt jetzt im Papierkorb")).wait_for()

        page.get_by_role("link", name=re.compile("Papierkorb")).click()
        page.get_by_role("heading", name="Chatbot: Papierkorb").wait_for()
        page.screenshot(path=ARTIFACTS / "chatbot-recycle-bin.png", full_page=True)
        page.get_by_role("button", name="Wiederherstellen").click()
        page.get_by_text(re.compile("ist wiederhergestellt")).wait_for()
    with schema_context(town.schema_name):
        assert Entry.objects.filter(external_id="wo-bekomme-ich-einen-angelschein").exists()
