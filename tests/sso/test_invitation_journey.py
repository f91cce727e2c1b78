"""The invitation journey against the real Keycloak: open invitations sent again or withdrawn."""

from __future__ import annotations

import html
import re
import time
from urllib.parse import urlparse

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


def _follow(browser: requests.Session, url: str, **kwargs) -> requests.Response:
    answer = browser.request(kwargs.pop("method", "GET"), url, allow_redirects=False, timeout=30, **kwargs)
    for cookie in browser.cookies:
        cookie.secure = False
    return answer


def test_the_invitation_mail_is_german_and_names_the_town_the_provider_and_the_validity(
        sso, town, town_admin, mailbox, settings):
    response = host_client(town.host, town_admin).post("/members/invite/", {
        "email": "neu@amtsdorf.example", "role": Role.FINANCE.value, "first_name": "Nina", "last_name": "Neu"})
    assert response.status_code == 302
    mail = mailbox.wait_for("neu@amtsdorf.example")
    body = _text(mail)
    assert "Amtsdorf" in str(mail["Subject"]) or "Amtsdorf" in html.unescape(str(mail["Subject"]))
    assert body.strip().startswith("Guten Tag Nina Neu,")
    assert "Sie wurden eingeladen, im KI-Verbund für Amtsdorf mitzuarbeiten" in body
    assert f"{settings.KEYCLOAK_INVITATION_DAYS} Tage gültig" in body
    assert re.search(rf"{re.escape(settings.KEYCLOAK_URL)}/realms/{settings.KEYCLOAK_REALM}/\S+", body)
    assert "Organization" not in body and "Hi," not in body and "Guten Tag  ," not in body
    # The platform's email theme names the town portal's address.
    assert f"Das Portal von Amtsdorf im KI-Verbund: {town.url}" in body


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


def _words(page: str) -> str:
    """The visible text of a Keycloak page, for assertion messages."""
    page = re.sub(r"(?s)<(script|style)[^>]*>.*?</\1>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))[:1500]


def _link(mail) -> str:
    found = re.search(r"(http://127\.0\.0\.1\S+)", _text(mail))
    assert found, _text(mail)
    return found[1]


def _through_keycloak(browser, answer, settings):
    """Follow Keycloak's pages (redirects, the password form, "proceed" links) until it sends the person away."""
    for _step in range(10):
        if answer.status_code == 302:
            if not answer.headers["Location"].startswith(settings.KEYCLOAK_URL):
                return answer
            answer = _follow(browser, answer.headers["Location"])
            continue
        form = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(?:(?!</form>).)*name="password-new"', answer.text, re.S)
        if form:
            answer = _follow(browser, html.unescape(form[1]), method="POST", data={
                "password-new": "nora-password-1", "password-confirm": "nora-password-1"})
            continue
        proceed = re.search(r'<a href="([^"]+)"[^>]*>[^<]*(?:Klicken Sie hier|Click here)', answer.text)
        if proceed:
            answer = _follow(browser, html.unescape(proceed[1]))
            continue
        return answer
    return answer


def test_a_person_registers_through_the_invitation_and_lands_signed_in_at_the_town(
        sso, town, town_admin, mailbox, settings):
    client = host_client(town.host, town_admin)
    assert client.post("/members/invite/", {"email": "nora@amtsdorf.example",
                                            "role": Role.TOWN_STAFF.value}).status_code == 302
    browser = requests.Session()
    page = _follow(browser, _link(mailbox.wait_for("nora@amtsdorf.example")))
    assert page.status_code == 200 and 'id="kc-register-form"' in page.text, _words(page.text)
    action = html.unescape(re.search(r'<form[^>]*id="kc-register-form"[^>]*action="([^"]+)"', page.text)[1])
    answer = _follow(browser, action, method="POST", data={
        "email": "nora@amtsdorf.example", "username": "nora", "firstName": "Nora", "lastName": "Neumann",
        "password": "nora-password-1", "password-confirm": "nora-password-1"})
    # The invitation link already proved the address: Keycloak asks for nothing more and leaves for the town.
    answer = _through_keycloak(browser, answer, settings)
    assert answer.status_code == 302, _words(answer.text)
    landing = answer.headers["Location"]
    assert landing.startswith(f"{town.url}welcome/"), landing

    # The portal's landing route signs her in through the SSO session Keycloak just opened: no form.
    portal = host_client(urlparse(town.url).netloc)  # the address Keycloak knows, port included
    start = portal.get("/welcome/")
    assert start.status_code == 302 and start["Location"].startswith("/oidc/authenticate/")
    login = portal.get(start["Location"])
    back = _follow(browser, login["Location"])
    assert back.status_code == 302 and back.headers["Location"].startswith(town.url), _words(back.text)
    callback = back.headers["Location"].removeprefix(town.url.rstrip("/"))
    done = portal.get(callback)
    assert done.status_code == 302 and done["Location"] == "/"
    assert portal.get("/welcome/")["Location"] == "/"
    assert "nora" in portal.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    # One mail only, the invitation: no "confirm your address" after registering.
    time.sleep(2)
    assert [str(m["Subject"]) for m in mailbox.messages if "nora@amtsdorf.example" in (m["To"] or "")] == [
        str(mailbox.wait_for("nora@amtsdorf.example")["Subject"])]
    account = sso.get_users({"username": "nora", "exact": True})[0]
    assert account["emailVerified"] is True and "VERIFY_EMAIL" not in account.get("requiredActions", [])


def test_inviting_again_or_inviting_a_member_is_refused_in_german(sso, town, town_admin, mailbox):
    from identity.bootstrap import ensure_user

    client = host_client(town.host, town_admin)
    invite = {"email": "doppelt@amtsdorf.example", "role": Role.TOWN_STAFF.value}
    client.post("/members/invite/", invite)
    mailbox.wait_for("doppelt@amtsdorf.example")
    page = client.get("/members/", HTTP_ACCEPT_LANGUAGE="de")
    again = client.post("/members/invite/", invite, follow=True, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "doppelt@amtsdorf.example wurde bereits eingeladen" in again and "Keycloak" not in again
    # Keycloak's own record of the open invitation refuses it too, with the same words.
    Invitation.objects.filter(email="doppelt@amtsdorf.example").delete()
    again = client.post("/members/invite/", invite, follow=True, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "doppelt@amtsdorf.example wurde bereits eingeladen" in again and "Keycloak" not in again

    ensure_user(sso, "mia", "mia@amtsdorf.example", "mia-password-12", ["town_staff"],
                organization_alias=town.slug, first_name="Mia", last_name="Mitglied")
    member = client.post("/members/invite/", {"email": "mia@amtsdorf.example", "role": Role.FINANCE.value},
                         follow=True, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "mia@amtsdorf.example gehört bereits zu Ihrer Gemeinde" in member
    assert page.status_code == 200
