"""A new colleague follows the invitation mail from the mail sink, registers in Keycloak and lands signed in at
the town's portal; every page on the way (Keycloak's and the portal's) passes axe-core at desktop width and at 390 px."""

import html
import re

import pytest

from tenants.actions import TownData, onboard_town
from tenants.models import Membership, Role, Town

from .browser import browser_page, check_page
from .conftest import host_client

pytestmark = [pytest.mark.browser, pytest.mark.keycloak]


def _link(mail) -> str:
    text = "".join(html.unescape(part.get_payload(decode=True).decode(errors="replace")) for part in mail.walk()
                   if part.get_content_type() == "text/plain")
    found = re.search(r"(http://127\.0\.0\.1\S+)", text)
    assert found, text
    return found[1]


def _mails_to(mailbox, address: str) -> list:
    return [m for m in mailbox.messages if address in (m["To"] or "")]


def test_invitation_mail_registration_and_landing_at_the_town(live_server, sso, mailbox, settings,
                                                              member_factory):
    from tenants.schemas import drop_schema

    port = int(live_server.url.rsplit(":", 1)[1])
    settings.PUBLIC_PORT = port
    town, _ = onboard_town(TownData(ags="09999921", name="Einladungsdorf", population=6000), activate=True)
    admin = member_factory(town, Role.TOWN_ADMIN, "einladungsdorf-admin")
    address = "nele@einladungsdorf.example"
    try:
        assert host_client(town.host, admin).post("/members/invite/", {
            "email": address, "role": Role.TOWN_STAFF.value}).status_code == 302
        invitation = mailbox.wait_for(address)
        assert "Einladungsdorf" in html.unescape(str(invitation["Subject"]))
        with browser_page() as page:
            page.goto(_link(invitation))
            page.locator("#kc-register-form").wait_for()
            check_page(page, "journey-invitation-keycloak-register")
            page.get_by_label("Benutzername").fill("nele")
            page.get_by_label("Vorname").fill("Nele")
            page.get_by_label("Nachname").fill("Neumann")
            # The invitation link proved the address: the person chooses a password here, and no second mail
            # ("confirm your address") interrupts the way to the town.
            page.locator("#password").fill("nele-password-1")
            page.locator("#password-confirm").fill("nele-password-1")
            page.locator("#kc-register-form [type=submit]").click()
            page.wait_for_url(re.compile(rf"^http://{re.escape(town.host)}:{port}/$"))
            page.get_by_role("button", name=re.compile("Abmelden")).wait_for()
            check_page(page, "journey-invitation-landing")
        assert Membership.objects.filter(user__username="nele", town=town, role=Role.TOWN_STAFF).exists()
        assert len(_mails_to(mailbox, address)) == 1  # the invitation only, read from the mail sink
    finally:
        for made in Town.objects.all():
            drop_schema(made.schema_name)
