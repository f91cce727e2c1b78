"""Local validation of bearer tokens, with real tokens from the real Keycloak.

The helpers at the top are shared with ``test_api_auth.py``: tokens as people
and machines really get them (authorization code + PKCE, client credentials).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

from identity.bootstrap import PORTAL_CLIENT, create_town_service_account, ensure_user
from identity.tokens import (
    LEEWAY_SECONDS,
    InvalidToken,
    key_cache_fetches,
    reset_key_cache,
    validate_access_token,
)

from .flows import client_credentials_token, login_tokens, login_with_pkce, token_endpoint  # noqa: F401

pytestmark = pytest.mark.keycloak


class Clients:
    """Confidential clients made for one test, deleted afterwards."""

    def __init__(self, admin) -> None:
        self.admin = admin
        self.made: list[str] = []

    def service_account(self, client_id: str, town: str, **attributes: str) -> tuple[str, str]:
        """A town service account as onboarding makes them; extra client ``attributes`` on top."""
        self.made.append(client_id)
        client_id, secret = create_town_service_account(self.admin, client_id, town)
        if attributes:
            internal_id = self.admin.get_client_id(client_id)
            current = self.admin.get_client(internal_id).get("attributes", {})
            self.admin.update_client(internal_id, {"clientId": client_id, "attributes": {**current, **attributes}})
        return client_id, secret

    def without_api_scope(self, client_id: str) -> tuple[str, str]:
        """A confidential client of the realm whose tokens are not meant for our API."""
        self.made.append(client_id)
        internal_id = self.admin.get_client_id(client_id) or self.admin.create_client({
            "clientId": client_id, "enabled": True, "protocol": "openid-connect", "publicClient": False,
            "clientAuthenticatorType": "client-secret", "serviceAccountsEnabled": True,
            "standardFlowEnabled": False, "directAccessGrantsEnabled": False,
        })
        return client_id, self.admin.get_client_secrets(internal_id)["value"]

    def delete_all(self) -> None:
        for client_id in self.made:
            internal_id = self.admin.get_client_id(client_id)
            if internal_id is not None:
                self.admin.delete_client(internal_id)


@pytest.fixture
def clients(keycloak_admin):
    made = Clients(keycloak_admin)
    yield made
    made.delete_all()


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    reset_key_cache()
    yield
    reset_key_cache()


# --- forged tokens -----------------------------------------------------------------

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def split(token: str) -> tuple[dict, dict, str]:
    header, payload, signature = token.split(".")
    return json.loads(unb64url(header)), json.loads(unb64url(payload)), signature


def join(header: dict, payload: dict, signature: str = "") -> str:
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}.{signature}"


def unsigned(token: str) -> str:
    header, payload, _signature = split(token)
    return join({**header, "alg": "none"}, payload)


def tampered(token: str, **changes) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(unb64url(payload))
    return f"{header}.{b64url(json.dumps({**claims, **changes}).encode())}.{signature}"


def hs256_with_public_key(token: str) -> str:
    """The key-confusion attack: HMAC over the token with the realm's public key (PEM) as the secret."""
    header, payload, _signature = split(token)
    jwks = requests.get(settings.OIDC_OP_JWKS_ENDPOINT, timeout=30).json()
    data = next(key for key in jwks["keys"] if key["kid"] == header["kid"])
    public_pem = jwt.PyJWK(data, algorithm="RS256").key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    signing_input = join({**header, "alg": "HS256"}, payload).rstrip(".")
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


# --- the validator -----------------------------------------------------------------

@pytest.fixture
def person_token(sso, keycloak):
    ensure_user(sso, "token-tilda", "tilda@example.org", "tilda-password-1", ["county_finance"])
    return login_with_pkce(keycloak.url, "token-tilda", "tilda-password-1")


@pytest.fixture
def service_token(keycloak, clients):
    client_id, secret = clients.service_account("town-tokenhausen-api", "tokenhausen")
    return client_credentials_token(keycloak.url, client_id, secret)


def test_a_person_token_from_the_pkce_login_is_valid(person_token):
    claims = validate_access_token(person_token)
    assert claims["preferred_username"] == "token-tilda"
    assert claims["iss"] == settings.OIDC_ISSUER
    assert settings.API_AUDIENCE in claims["aud"]
    assert "county_finance" in claims["roles"]


def test_a_service_account_token_is_valid_and_names_its_town(service_token):
    claims = validate_access_token(service_token)
    assert claims["town"] == "tokenhausen"
    assert claims["azp"] == "town-tokenhausen-api"
    assert claims["preferred_username"] == "service-account-town-tokenhausen-api"


@pytest.mark.parametrize(("forge", "reason"), [
    (unsigned, "algorithm 'none'"),
    (hs256_with_public_key, "algorithm 'HS256'"),
    (lambda token: tampered(token, preferred_username="someone-else"), "signature invalid"),
    (lambda token: token.rsplit(".", 1)[0] + ".", "signature invalid"),
    (lambda token: "not-a-jwt", "Malformed"),
], ids=["alg-none", "hs256-public-key", "tampered", "signature-stripped", "garbage"])
def test_forged_tokens_are_refused(service_token, forge, reason):
    with pytest.raises(InvalidToken, match=reason):
        validate_access_token(forge(service_token))


def test_a_token_for_another_audience_is_refused(keycloak, clients):
    token = client_credentials_token(keycloak.url, *clients.without_api_scope("token-foreign-audience"))
    with pytest.raises(InvalidToken, match=f"not issued for {settings.API_AUDIENCE}"):
        validate_access_token(token)


def test_id_and_refresh_tokens_are_not_access_tokens(sso, keycloak):
    ensure_user(sso, "token-tilda", "tilda@example.org", "tilda-password-1", ["town_staff"])
    tokens = login_tokens(keycloak.url, "token-tilda", "tilda-password-1")
    with pytest.raises(InvalidToken, match=f"not issued for {settings.API_AUDIENCE}"):
        validate_access_token(tokens["id_token"])
    with pytest.raises(InvalidToken, match="algorithm 'HS512'"):
        validate_access_token(tokens["refresh_token"])


def test_an_expired_token_is_refused_after_the_leeway(keycloak, clients):
    client_id, secret = clients.service_account("town-tokenhausen-short", "tokenhausen",
                                                **{"access.token.lifespan": "1"})
    token = client_credentials_token(keycloak.url, client_id, secret)
    claims = validate_access_token(token)  # expires after 1 s, but within the leeway it still counts
    assert claims["exp"] - claims["iat"] == 1
    time.sleep(max(0.0, claims["exp"] + LEEWAY_SECONDS + 1 - time.time()))
    with pytest.raises(InvalidToken, match="expired"):
        validate_access_token(token)


def test_keys_are_fetched_once_and_cached(person_token, service_token):
    for _ in range(3):
        validate_access_token(person_token)
        validate_access_token(service_token)
    assert key_cache_fetches() == 1


def test_unknown_key_ids_refresh_the_keys_at_most_every_ten_seconds(service_token):
    validate_access_token(service_token)
    header, payload, signature = split(service_token)
    for attempt in range(3):
        with pytest.raises(InvalidToken, match="unknown key"):
            validate_access_token(join({**header, "kid": f"made-up-{attempt}"}, payload, signature))
    # The first unknown key id refreshed once; the next ones did not reach Keycloak.
    assert key_cache_fetches() == 2
    validate_access_token(service_token)  # known keys keep working
    assert key_cache_fetches() == 2


def test_threads_with_a_cold_cache_fetch_the_keys_once(person_token, service_token):
    tokens = [person_token, service_token] * 8
    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        results = list(pool.map(validate_access_token, tokens))
    assert {claims["azp"] for claims in results} == {PORTAL_CLIENT, "town-tokenhausen-api"}
    assert key_cache_fetches() == 1
