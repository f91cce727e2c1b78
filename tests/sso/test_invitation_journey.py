"""The invitation journey against the real Keycloak: open invitations sent again or withdrawn."""

from __future__ import annotations

import html

import pytest
import requests

from kiverbund.audit.models import AuditEntry
from kiverbund.sso import bootstrap
from tenants.models import Invitation, Role

from ..conftest import host_client

pytestmark = pytest.mark.keycloak


@pytest.fixture
def town(sso, make_town):
    return make_town("Amtsdorf", kreis_name="Landkreis Musterland")


@pytest.fixture
def town_admin(town, member_factory):
    return member_factory(town, Role.TOWN_ADMIN, "amtsdorf-admin")


def _text(mail) -> str:
    return "".join(html.unescape(part.get_payload(decode=True).decode(errors="replace")) for part in mail.walk()
                   if part.get_content_type() == "text/plain")


def _keycloak_invitations(sso, town) -> list[dict]:
    organization = bootstrap.find_organization(sso, town.slug)
    return sso.connection.raw_get(
        f"admin/realms/{sso.connection.realm_name}/organizations/{organization['id']}/invitations").json()


def _follow(browser: requests.Session, url: str, **kwargs) -> requests.Response:
    answer = browser.request(kwargs.pop("method", "GET"), url, allow_redirects=False, timeout=30, **kwargs)
    for cookie in browser.cookies:
        cookie.secure = False
    return answer


def test_a_town_admin_sends_an_invitation_again_or_withdraws_it(sso, town, town_admin, mailbox):
    client = host_client(town.host, town_admin)
    client.post("/members/invite/", {"email": "zweiter@amtsdorf.example", "role": Role.TOWN_STAFF.value})
    mailbox.wait_for("zweiter@amtsdorf.example")
    invitation = Invitation.objects.get(town=town, email="zweiter@amtsdorf.example")
    page = client.get("/members/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "zweiter@amtsdorf.example" in page and "Erneut senden" in page and "Zurückziehen" in page

    before = len([m for m in mailbox.messages if "zweiter@amtsdorf.example" in (m["To"] or "")])
    assert client.post(f"/members/invitations/{invitation.pk}/resend/").status_code == 302
    deadline_mails = [m for m in mailbox.messages if "zweiter@amtsdorf.example" in (m["To"] or "")]
    import time

    for _ in range(100):
        deadline_mails = [m for m in mailbox.messages if "zweiter@amtsdorf.example" in (m["To"] or "")]
        if len(deadline_mails) > before:
            break
        time.sleep(0.1)
    assert len(deadline_mails) == before + 1
    assert AuditEntry.objects.filter(action="tenants.member.invitation_resent", town=town).exists()

    assert [i["email"] for i in _keycloak_invitations(sso, town)] == ["zweiter@amtsdorf.example"]
    assert client.post(f"/members/invitations/{invitation.pk}/withdraw/").status_code == 302
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    assert _keycloak_invitations(sso, town) == []
    assert AuditEntry.objects.filter(action="tenants.member.invitation_withdrawn", town=town).exists()


def test_another_towns_invitation_cannot_be_withdrawn(sso, town, town_admin, make_town):
    other = make_town("Burgheim")
    foreign = Invitation.objects.create(town=other, email="x@burgheim.example", role=Role.TOWN_STAFF,
                                        invited_by="pytest")
    client = host_client(town.host, town_admin)
    assert client.post(f"/members/invitations/{foreign.pk}/withdraw/").status_code == 404
    assert Invitation.objects.filter(pk=foreign.pk).exists()
