"""The realm as code against a real Keycloak (no Django needed).

Run alone: ``PYTHONPATH=platform python -m pytest -p no:django --noconftest tests/sso``.
The server runs in ``.run/test/keycloak`` and keeps its database between runs,
so only the first run pays for the database initialisation. A server already
running there (e.g. started by ``python -m devtools.stack.keycloak start
--profile test``) is reused and left running.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
import requests
from aiosmtpd.controller import Controller
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakDeleteError

from devtools.stack import RUN_ROOT
from devtools.stack.keycloak import MIN_JAVA, Keycloak, ensure_distribution, ensure_java, java_major_version
from identity.bootstrap import (
    API_CLIENT,
    PORTAL_CLIENT,
    admin_client,
    bootstrap_realm,
    create_town_service_account,
    delete_organization,
    ensure_organization,
    ensure_portal_redirect_uris,
    ensure_user,
    find_organization,
    invite_to_organization,
    town_roles_in,
    user_town_roles,
)

from ..sso_fixtures import Mailbox
from .flows import login_tokens, pkce_pair

pytestmark = pytest.mark.keycloak

# A realm of its own: this module deletes and re-creates it, the platform tests use the real one.
REALM = "kiverbund-bootstrap-test"
ADMIN_USER = "admin"
ADMIN_PASSWORD = "admin"
TOWN_HOST = "http://amtsdorf.kiverbund.localhost:8000"
CALLBACK = f"{TOWN_HOST}/oidc/callback/"


def _free_port_pair() -> int:
    """A free port whose management twin (port + 1000) is free too."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port + 1000 >= 65536:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 1000))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair found")


@pytest.fixture(scope="session")
def keycloak_server() -> Iterator[Keycloak]:
    # Parallel workers each get their own server: the tests below reset the realm.
    run_dir = RUN_ROOT / "test" / os.environ.get("PYTEST_XDIST_WORKER", "")
    server = Keycloak.attach(run_dir, admin_user=ADMIN_USER, admin_password=ADMIN_PASSWORD)
    started_here = server is None
    if server is None:
        server = Keycloak(run_dir, _free_port_pair(), admin_user=ADMIN_USER, admin_password=ADMIN_PASSWORD)
        server.start()
    yield server
    if started_here:
        server.stop()


@pytest.fixture(scope="session")
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = _free_port_pair()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


def _bootstrap(server: Keycloak, smtp_port: int) -> dict[str, list[str]]:
    return bootstrap_realm(
        server.url, ADMIN_USER, ADMIN_PASSWORD, realm=REALM,
        portal_redirect_uris=[f"{TOWN_HOST}/*"],
        web_origins=[TOWN_HOST],
        post_logout_redirect_uris=[f"{TOWN_HOST}/*"],
        smtp={"host": "127.0.0.1", "port": smtp_port, "from": "noreply@kiverbund.localhost",
              "fromDisplayName": "KI-Verbund"},
    )


@dataclass
class Realm:
    first_run: dict[str, list[str]]
    second_run: dict[str, list[str]]


@pytest.fixture(scope="session")
def realm(keycloak_server: Keycloak, mailbox: tuple[Mailbox, int]) -> Realm:
    admin = admin_client(keycloak_server.url, ADMIN_USER, ADMIN_PASSWORD, realm=REALM)
    # A fresh realm each session, so the first bootstrap run really creates everything.
    try:
        admin.delete_realm(REALM)
    except KeycloakDeleteError as error:
        if error.response_code != 404:
            raise
    first = _bootstrap(keycloak_server, mailbox[1])
    second = _bootstrap(keycloak_server, mailbox[1])
    return Realm(first, second)


@pytest.fixture
def admin(keycloak_server: Keycloak, realm: Realm):
    return admin_client(keycloak_server.url, ADMIN_USER, ADMIN_PASSWORD, realm=REALM)


@pytest.fixture
def town(admin) -> str:
    ensure_organization(admin, "amtsdorf", "Stadt Amtsdorf", "amtsdorf.de")
    return "amtsdorf"


def _authorize_url(server: Keycloak, **params: str) -> str:
    query = {"client_id": PORTAL_CLIENT, "response_type": "code", "scope": "openid", "redirect_uri": CALLBACK,
             "state": secrets.token_urlsafe(8), **params}
    return f"{server.url}/realms/{REALM}/protocol/openid-connect/auth?{urlencode(query)}"


def _verified_claims(server: Keycloak, token: str) -> dict:
    # Signature and expiry checked against the realm's JWKS, as the platform will.
    return KeycloakOpenID(server_url=server.url, realm_name=REALM, client_id=API_CLIENT).decode_token(token)


def _audiences(claims: dict) -> list[str]:
    return [claims["aud"]] if isinstance(claims["aud"], str) else claims["aud"]


def test_java_and_distribution_are_cached(keycloak_server: Keycloak) -> None:
    assert java_major_version(ensure_java()) >= MIN_JAVA
    started = time.monotonic()
    home = ensure_distribution()
    assert time.monotonic() - started < 1
    assert (home / "bin" / "kc.sh").exists()


def test_start_reuses_the_running_server(keycloak_server: Keycloak) -> None:
    pid_before = keycloak_server.pid_file.read_text()
    started = time.monotonic()
    keycloak_server.start()
    assert time.monotonic() - started < 2
    assert keycloak_server.pid_file.read_text() == pid_before
    assert keycloak_server.is_running()
    assert requests.get(f"{keycloak_server.url}/realms/master", timeout=10).status_code == 200


def test_bootstrap_creates_the_realm_and_a_second_run_changes_nothing(realm: Realm, admin) -> None:
    assert {f"realm {REALM}", "role platform_admin", "role county_finance", "client kiverbund-portal",
            "client kiverbund-api", "default scope kiverbund-portal/organization"} <= set(realm.first_run["created"])
    assert realm.second_run == {"created": [], "updated": []}


def test_a_rerun_keeps_the_town_addresses_onboarding_added(keycloak_server: Keycloak, mailbox, admin) -> None:
    town = "http://zweitstadt.kiverbund.localhost:8000"
    assert ensure_portal_redirect_uris(admin, [f"{town}/*"], [town]) is True
    assert _bootstrap(keycloak_server, mailbox[1]) == {"created": [], "updated": []}
    portal = admin.get_client(admin.get_client_id(PORTAL_CLIENT))
    assert f"{town}/*" in portal["redirectUris"] and town in portal["webOrigins"]

    settings = admin.get_realm(REALM)
    assert settings["organizationsEnabled"] is True
    portal = admin.get_client(admin.get_client_id(PORTAL_CLIENT))
    assert portal["publicClient"] is True
    assert portal["directAccessGrantsEnabled"] is False
    assert portal["attributes"]["pkce.code.challenge.method"] == "S256"
    assert admin.get_client(admin.get_client_id(API_CLIENT))["bearerOnly"] is True


def test_bootstrap_repairs_drift(keycloak_server: Keycloak, mailbox, admin) -> None:
    portal_id = admin.get_client_id(PORTAL_CLIENT)
    admin.update_client(portal_id, {"clientId": PORTAL_CLIENT, "directAccessGrantsEnabled": True})
    admin.update_realm_role("dpo", {"name": "dpo", "description": "changed by hand"})

    repaired = _bootstrap(keycloak_server, mailbox[1])

    assert repaired == {"created": [], "updated": ["role dpo", "client kiverbund-portal"]}
    assert admin.get_client(portal_id)["directAccessGrantsEnabled"] is False
    assert _bootstrap(keycloak_server, mailbox[1]) == {"created": [], "updated": []}


def test_portal_requires_pkce_and_a_registered_redirect_uri(keycloak_server: Keycloak, realm: Realm) -> None:
    without_pkce = requests.get(_authorize_url(keycloak_server), allow_redirects=False, timeout=30)
    assert without_pkce.status_code == 302
    assert "error=invalid_request" in without_pkce.headers["Location"]

    _verifier, challenge = pkce_pair()
    foreign = requests.get(
        _authorize_url(keycloak_server, code_challenge=challenge, code_challenge_method="S256",
                       redirect_uri="http://evil.example/callback"),
        allow_redirects=False, timeout=30,
    )
    assert foreign.status_code == 400


def test_town_redirect_uris_are_added_once(admin) -> None:
    burgheim = "http://burgheim.kiverbund.localhost:8000"
    assert ensure_portal_redirect_uris(admin, [f"{burgheim}/*"], [burgheim]) is True
    assert ensure_portal_redirect_uris(admin, [f"{burgheim}/*"], [burgheim]) is False
    portal = admin.get_client(admin.get_client_id(PORTAL_CLIENT))
    assert {f"{TOWN_HOST}/*", f"{burgheim}/*"} <= set(portal["redirectUris"])


def test_user_token_carries_roles_audience_and_town(keycloak_server: Keycloak, admin, town: str) -> None:
    for _ in range(2):  # the second call must be a no-op, not an error
        ensure_user(admin, "anna", "anna@amtsdorf.de", "anna-password-1", ["town_admin", "finance"],
                    organization_alias=town, first_name="Anna", last_name="Amsel")

    tokens = login_tokens(keycloak_server.url, "anna", "anna-password-1", realm=REALM, callback=CALLBACK)
    claims = _verified_claims(keycloak_server, tokens["access_token"])

    # Town roles belong to the town (groups); the realm roles hold only county-wide ones.
    assert town_roles_in(claims["groups"]) == {town: {"town_admin", "finance"}}
    assert not set(claims.get("roles", [])) & {"town_admin", "finance", "platform_admin"}
    assert API_CLIENT in _audiences(claims)
    assert claims["organization"] == [town]
    assert claims["azp"] == PORTAL_CLIENT


def test_ensure_user_syncs_roles(admin, town: str) -> None:
    user_id = ensure_user(admin, "berta", "berta@amtsdorf.de", "berta-password-1", ["town_staff", "dpo"],
                          organization_alias=town)
    ensure_user(admin, "berta", "berta@amtsdorf.de", "berta-password-1", ["town_staff"], organization_alias=town)
    assert user_town_roles(admin, user_id, town) == {"town_staff"}
    assert [org["alias"] for org in admin.get_user_organizations(user_id)] == [town]


def test_town_roles_hold_in_their_own_town_only(keycloak_server: Keycloak, admin, town: str) -> None:
    ensure_organization(admin, "burgheim", "Stadt Burgheim", "burgheim.de")
    user_id = ensure_user(admin, "konrad", "konrad@amtsdorf.de", "konrad-password-1", ["town_admin"],
                          organization_alias=town)
    ensure_user(admin, "konrad", "konrad@amtsdorf.de", "konrad-password-1", ["town_staff"], organization_alias="burgheim")
    # ensure_user sets the roles of the town it names; Amtsdorf's stay.
    assert user_town_roles(admin, user_id, town) == {"town_admin"}
    assert user_town_roles(admin, user_id, "burgheim") == {"town_staff"}
    claims = _verified_claims(keycloak_server, login_tokens(keycloak_server.url, "konrad", "konrad-password-1",
                                                            realm=REALM, callback=CALLBACK)["access_token"])
    assert town_roles_in(claims["groups"]) == {town: {"town_admin"}, "burgheim": {"town_staff"}}
    assert delete_organization(admin, "burgheim") is True
    assert user_town_roles(admin, user_id, "burgheim") == set()


def test_service_account_token_names_its_town(keycloak_server: Keycloak, admin, town: str) -> None:
    client_id, secret = create_town_service_account(admin, "town-amtsdorf-api", town)
    assert create_town_service_account(admin, "town-amtsdorf-api", town) == (client_id, secret)

    response = requests.post(
        f"{keycloak_server.url}/realms/{REALM}/protocol/openid-connect/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}, timeout=30,
    )
    response.raise_for_status()
    claims = _verified_claims(keycloak_server, response.json()["access_token"])

    assert claims["town"] == town
    assert API_CLIENT in _audiences(claims)


def test_invitation_mail_carries_a_link(keycloak_server: Keycloak, mailbox, admin, town: str) -> None:
    box, _port = mailbox
    organization = find_organization(admin, town)
    admin.connection.get_token()  # the admin token is short-lived; the fixture's may have expired

    invite_to_organization(keycloak_server.url, admin.connection.token["access_token"], REALM,
                           organization["id"], "carla@amtsdorf.de", "Carla", "Clausen")

    message = box.wait_for("carla@amtsdorf.de")
    body = "".join(part.get_payload(decode=True).decode() for part in message.walk()
                   if part.get_content_type() == "text/plain")
    assert f"{keycloak_server.url}/realms/{REALM}/" in body


def test_organizations_can_be_deleted(admin) -> None:
    ensure_organization(admin, "burgheim", "Stadt Burgheim", "burgheim.de")
    ensure_organization(admin, "burgheim", "Stadt Burgheim", "burgheim.de")
    assert find_organization(admin, "burgheim") is not None
    assert delete_organization(admin, "burgheim") is True
    assert find_organization(admin, "burgheim") is None
    assert delete_organization(admin, "burgheim") is False
