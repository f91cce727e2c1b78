"""The invitation journey against the real Keycloak: open invitations sent again or withdrawn."""

from __future__ import annotations

import html
import re

import pytest
import requests

from core.audit.models import AuditEntry
from identity import bootstrap
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


def _nth_mail(mailbox, recipient: str, number: int):
    import time

    for _ in range(300):
        found = [m for m in mailbox.messages if recipient in (m["To"] or "")]
        if len(found) >= number:
            return found[number - 1]
        time.sleep(0.1)
    raise AssertionError(f"no mail number {number} to {recipient}")


def _follow(browser: requests.Session, url: str, **kwargs) -> requests.Response:
    answer = browser.request(kwargs.pop("method", "GET"), url, allow_redirects=False, timeout=30, **kwargs)
    for cookie in browser.cookies:
        cookie.secure = False
    return answer


def test_the_invitation_mail_is_german_and_names_the_town_the_provider_and_the_validity(
        sso, town, town_admin, mailbox, settings):
    response = host_client(town.host, town_admin).post("/members/invite/", {"email": "neu@amtsdorf.example",
                                                                            "role": Role.FINANCE.value})
    assert response.status_code == 302
    mail = mailbox.wait_for("neu@amtsdorf.example")
    body = _text(mail)
    assert "Amtsdorf" in str(mail["Subject"]) or "Amtsdorf" in html.unescape(str(mail["Subject"]))
    assert body.strip().startswith("Guten Tag")
    assert "Sie wurden eingeladen, im KI-Verbund für Amtsdorf mitzuarbeiten" in body
    assert f"{settings.KEYCLOAK_INVITATION_DAYS} Tage gültig" in body
    assert re.search(rf"{re.escape(settings.KEYCLOAK_URL)}/realms/{settings.KEYCLOAK_REALM}/\S+", body)
    assert "Organization" not in body and "Hi," not in body


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
