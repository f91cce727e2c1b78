"""Bearer tokens at the town API: who gets in where, with real tokens from the real Keycloak.

``GET /api/v1/town/`` at a town's host stands for every town API endpoint: it
uses the project's authentication classes and ``IsTownMember``.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from keycloak.exceptions import KeycloakDeleteError

from identity.bootstrap import (
    admin_client,
    bootstrap_realm,
    create_town_service_account,
    ensure_organization,
    ensure_user,
)
from identity.tokens import LEEWAY_SECONDS, key_cache_fetches, reset_key_cache

from . import test_tokens
from .test_tokens import (
    client_credentials_token,
    hs256_with_public_key,
    join,
    login_with_pkce,
    split,
    tampered,
    unsigned,
)

pytestmark = pytest.mark.keycloak

# Fixtures shared with the validator tests.
clients = test_tokens.clients
_fresh_key_cache = test_tokens._fresh_key_cache

URL = "/api/v1/town/"
OTHER_REALM = "kiverbund-other"


def get(town, token: str | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    # English messages: the assertions below read them.
    return Client(HTTP_HOST=town.host, HTTP_ACCEPT_LANGUAGE="en").get(URL, **headers)


@pytest.fixture
def towns(sso, make_town):
    """Two towns, each with its Keycloak organization (alias = slug)."""
    made = make_town("Siegelsbach"), make_town("Schlüsselfeld")
    for town in made:
        ensure_organization(sso, alias=town.slug, name=town.name, domain=town.host)  # no-op when onboarding did it
    return made


@pytest.fixture
def person(sso, keycloak):
    """Log in a Keycloak person (created on the fly) and return their access token."""

    def login(username: str, roles: list[str], town=None) -> str:
        password = f"{username}-password-1"
        ensure_user(sso, username, f"{username}@example.org", password, roles,
                    organization_alias=town.slug if town is not None else None)
        return login_with_pkce(keycloak.url, username, password)

    return login


@pytest.fixture
def service_account(keycloak, clients):
    def token(town, **attributes: str) -> str:
        return client_credentials_token(keycloak.url, *clients.service_account(f"town-{town.slug}-api", town.slug,
                                                                                **attributes))

    return token


@pytest.fixture(scope="module")
def other_realm_token(keycloak):
    """A service-account token from a second realm set up exactly like ours (same audience, roles, town claim)."""
    bootstrap_realm(keycloak.url, settings.KEYCLOAK_ADMIN_USER, settings.KEYCLOAK_ADMIN_PASSWORD, realm=OTHER_REALM)
    admin = admin_client(keycloak.url, settings.KEYCLOAK_ADMIN_USER, settings.KEYCLOAK_ADMIN_PASSWORD,
                         realm=OTHER_REALM)
    client_id, secret = create_town_service_account(admin, "town-siegelsbach-api", "siegelsbach")
    yield client_credentials_token(keycloak.url, client_id, secret, realm=OTHER_REALM)
    try:
        admin.delete_realm(OTHER_REALM)
    except KeycloakDeleteError:
        pass


def test_a_member_gets_their_town_and_their_roles(towns, person):
    siegelsbach, _ = towns
    response = get(siegelsbach, person("api-anna", ["town_admin", "finance"], siegelsbach))

    assert response.status_code == 200, response.content
    assert response.json() == {
        "town": {"name": "Siegelsbach", "ags": siegelsbach.ags, "host": siegelsbach.host, "population": 10_000,
                 "status": "active"},
        "caller": {"principal": "api-anna", "kind": "person", "roles": ["finance", "town_admin"]},
    }


def test_a_member_of_another_town_is_forbidden(towns, person):
    siegelsbach, schluesselfeld = towns
    token = person("api-bernd", ["town_admin"], siegelsbach)

    assert get(siegelsbach, token).status_code == 200
    response = get(schluesselfeld, token)
    assert response.status_code == 403
    assert response.json() == {"detail": "You have no access to this town."}


def test_a_person_without_a_town_is_forbidden(towns, person):
    assert get(towns[0], person("api-carla", ["town_staff"])).status_code == 403


def test_county_it_may_call_every_town(towns, person):
    token = person("api-dora", ["platform_admin"])
    for town in towns:
        response = get(town, token)
        assert response.status_code == 200
        assert response.json()["caller"]["roles"] == ["platform_admin"]


def test_a_service_account_acts_for_its_own_town_only(towns, service_account):
    siegelsbach, schluesselfeld = towns
    token = service_account(siegelsbach)

    at_home = get(siegelsbach, token)
    assert at_home.status_code == 200
    assert at_home.json()["caller"] == {"principal": f"service-account:town-{siegelsbach.slug}-api",
                                        "kind": "service_account", "roles": ["town_staff"]}
    assert get(schluesselfeld, token).status_code == 403


def test_a_service_account_request_costs_no_query(towns, service_account):
    siegelsbach, _ = towns
    token = service_account(siegelsbach)
    assert get(siegelsbach, token).status_code == 200  # signing keys fetched, the token's claims kept
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            assert get(siegelsbach, token).status_code == 200
        assert [query["sql"] for query in captured.captured_queries] == []


def test_a_persons_token_is_synchronised_once_then_costs_the_membership_query(towns, person):
    siegelsbach, _ = towns
    token = person("api-emil", ["town_staff"], siegelsbach)
    with CaptureQueriesContext(connection) as first:
        assert get(siegelsbach, token).status_code == 200
    assert any(query["sql"].startswith("UPDATE") for query in first.captured_queries)  # the account synchronised
    assert get(siegelsbach, token).status_code == 200  # the saved account is read once more, then cached
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            response = get(siegelsbach, token)
        assert response.json()["caller"]["roles"] == ["town_staff"]
        sqls = [query["sql"] for query in captured.captured_queries]
        assert len(sqls) == 2 and sqls[0].startswith("SET search_path") and "tenants_membership" in sqls[1], sqls


@pytest.mark.parametrize(("forge", "reason"), [
    (unsigned, "algorithm 'none'"),
    (hs256_with_public_key, "algorithm 'HS256'"),
    # The classic: a machine of one town claims to be bound to another.
    (lambda token: tampered(token, town="schluesselfeld"), "signature invalid"),
], ids=["alg-none", "hs256-public-key", "tampered"])
def test_forged_tokens_are_unauthenticated(towns, service_account, forge, reason):
    siegelsbach, schluesselfeld = towns
    genuine = service_account(siegelsbach)
    assert get(siegelsbach, genuine).status_code == 200

    for town in towns:
        response = get(town, forge(genuine))
        assert response.status_code == 401
        assert reason in response.json()["detail"]
        assert response["WWW-Authenticate"] == 'Bearer realm="kiverbund"'


def test_a_token_of_another_realm_is_unauthenticated(towns, other_realm_token):
    response = get(towns[0], other_realm_token)
    assert response.status_code == 401
    assert "another issuer" in response.json()["detail"]
    assert key_cache_fetches() == 0  # a foreign issuer does not even make us look for its keys


def test_a_token_for_another_audience_is_unauthenticated(towns, keycloak, clients):
    token = client_credentials_token(keycloak.url, *clients.without_api_scope("api-foreign-audience"))
    response = get(towns[0], token)
    assert response.status_code == 401
    assert settings.API_AUDIENCE in response.json()["detail"]


def test_an_expired_token_is_unauthenticated(towns, service_account):
    siegelsbach, _ = towns
    token = service_account(siegelsbach, **{"access.token.lifespan": "1"})
    assert get(siegelsbach, token).status_code == 200
    time.sleep(max(0.0, split(token)[1]["exp"] + LEEWAY_SECONDS + 1 - time.time()))
    response = get(siegelsbach, token)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


@pytest.mark.parametrize("authorization", [None, "Basic YWxpY2U6c2VjcmV0", "Bearer", "Bearer a b"])
def test_no_bearer_token_is_unauthenticated(towns, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
    response = Client(HTTP_HOST=towns[0].host).get(URL, **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="kiverbund"'


def test_the_town_api_is_not_served_at_the_console(person, towns, console_host):
    token = person("api-dora", ["platform_admin"])
    response = Client(HTTP_HOST=console_host).get(URL, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 404


def test_rotated_signing_keys_are_picked_up(towns, service_account, sso):
    siegelsbach, _ = towns
    old = service_account(siegelsbach)
    assert get(siegelsbach, old).status_code == 200
    assert key_cache_fetches() == 1

    realm_id = sso.get_realm(settings.KEYCLOAK_REALM)["id"]
    component_id = sso.create_component({
        "name": "rotation-test", "providerId": "rsa-generated", "providerType": "org.keycloak.keys.KeyProvider",
        "parentId": realm_id,
        "config": {"priority": ["1000"], "keySize": ["2048"], "active": ["true"], "enabled": ["true"],
                   "algorithm": ["RS256"]},
    })
    try:
        new = service_account(siegelsbach)
        assert split(new)[0]["kid"] != split(old)[0]["kid"]

        assert get(siegelsbach, new).status_code == 200
        assert key_cache_fetches() == 2  # the unknown key id refreshed the cache at once
        assert get(siegelsbach, old).status_code == 200  # the old key is still in the realm
    finally:
        sso.delete_component(component_id)


# Last in the module: it stops the shared Keycloak for a while.
def test_tokens_keep_working_while_keycloak_is_down(towns, person, service_account, keycloak, settings):
    siegelsbach, _ = towns
    member = person("api-erik", ["town_staff"], siegelsbach)
    machine = service_account(siegelsbach)
    assert get(siegelsbach, member).status_code == 200
    assert get(siegelsbach, machine).status_code == 200

    keycloak.stop()
    try:
        assert not keycloak.is_ready()
        assert get(siegelsbach, member).status_code == 200
        assert get(siegelsbach, machine).status_code == 200
        # The cache's time is up: the refresh fails, the keys we have still count.
        settings.JWKS_CACHE_SECONDS = 0
        assert get(siegelsbach, member).status_code == 200
        assert get(siegelsbach, machine).status_code == 200
        # A key we do not know stays unknown, promptly.
        header, payload, signature = split(machine)
        started = time.monotonic()
        response = get(siegelsbach, join({**header, "kid": "made-up"}, payload, signature))
        assert response.status_code == 401
        assert "unknown key" in response.json()["detail"]
        assert time.monotonic() - started < 2
        # Without any cached key nothing can be checked: "try again later", not "your token is bad".
        reset_key_cache()
        response = get(siegelsbach, machine)
        assert response.status_code == 503
    finally:
        keycloak.start()
