"""A town administrator signs in through the real Keycloak login page, invites a colleague, and is refused at another town."""

import re

import pytest

from identity.bootstrap import ensure_user
from tenants.actions import TownData, onboard_town
from tenants.models import Membership, Role, Town

from .browser import ARTIFACTS, browser_page, check_page

pytestmark = [pytest.mark.browser, pytest.mark.keycloak]


def keycloak_login(page, username: str, password: str) -> None:
    """Keycloak 26 with organizations asks for the user name first and the password on the next page."""
    page.locator("#username").fill(username)
    if page.locator("#password").is_visible():
        page.locator("#password").fill(password)
        page.locator("#kc-login").click()
        return
    page.locator("#kc-login").click()
    page.locator("#password").fill(password)
    page.locator("#kc-login").click()


def test_town_admin_journey_through_keycloak(live_server, sso, mailbox, settings):
    from tenants.schemas import drop_schema

    port = int(live_server.url.rsplit(":", 1)[1])
    settings.PUBLIC_PORT = port
    amtsdorf, _ = onboard_town(TownData(ags="09999901", name="Amtsdorf", population=9000), activate=True)
    burgheim, _ = onboard_town(TownData(ags="09999902", name="Burgheim", population=7000), activate=True)
    ensure_user(sso, "anna", "anna@amtsdorf.example", "anna-password-1", ["town_admin"],
                organization_alias=amtsdorf.slug, first_name="Anna", last_name="Amtmann")
    try:
        with browser_page() as page:
            page.goto(amtsdorf.url)
            page.get_by_role("link", name=re.compile("Anmelden|Log in")).first.click()
            page.get_by_role("link", name=re.compile("KI-Verbund")).click()
            assert page.url.startswith(settings.KEYCLOAK_URL), page.url
            page.screenshot(path=ARTIFACTS / "sso-keycloak-login.png")
            keycloak_login(page, "anna", "anna-password-1")
            page.wait_for_url(re.compile(rf"^http://{re.escape(amtsdorf.host)}:{port}/"))
            assert "anna" in page.content()

            page.goto(f"{amtsdorf.url}members/")
            page.get_by_role("cell", name="anna", exact=True).wait_for()
            page.get_by_label(re.compile("E-Mail-Adresse|E-mail address")).fill("kollege@amtsdorf.example")
            page.get_by_role("button", name=re.compile("Einladung senden|Send invitation")).click()
            page.screenshot(path=ARTIFACTS / "sso-after-invite.png", full_page=True)
            page.get_by_text("kollege@amtsdorf.example").first.wait_for()
            page.screenshot(path=ARTIFACTS / "sso-members.png", full_page=True)
            check_page(page, "journey-members-invited")
            mail = mailbox.wait_for("kollege@amtsdorf.example")
            body = mail.get_payload(decode=True) if not mail.is_multipart() else mail.get_payload()[0].get_payload(decode=True)
            assert settings.KEYCLOAK_URL in body.decode(errors="replace")

            # Burgheim: Keycloak remembers Anna, but she is no member there.
            page.goto(f"{burgheim.url}documents/")
            page.get_by_role("link", name=re.compile("KI-Verbund")).click()
            page.wait_for_url(re.compile(rf"^http://{re.escape(burgheim.host)}:{port}/"))
            page.goto(f"{burgheim.url}documents/")
            assert page.get_by_role("heading", name=re.compile("Zugriff verweigert|Access denied")).is_visible()
            page.screenshot(path=ARTIFACTS / "sso-foreign-town-403.png")
            check_page(page, "journey-foreign-town-403")

            # RP-initiated logout ends the Keycloak session too.
            page.goto(amtsdorf.url)
            page.get_by_role("button", name=re.compile("Abmelden|Log out")).click()
            page.wait_for_url(re.compile(rf"^http://{re.escape(amtsdorf.host)}:{port}/"))
            page.goto(f"{amtsdorf.url}members/")
            page.get_by_role("link", name=re.compile("KI-Verbund")).click()
            page.locator("#username").wait_for()  # asked to sign in again
        # (The ORM is not used while Playwright's event loop runs in this thread.)
        assert Membership.objects.filter(user__username="anna", town=amtsdorf, role=Role.TOWN_ADMIN).exists()
    finally:
        for town in Town.objects.all():
            drop_schema(town.schema_name)
