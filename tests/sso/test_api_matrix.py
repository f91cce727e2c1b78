"""The permission matrix's API rows with real bearer tokens: every role, its own town and a foreign one.

Each role is a real Keycloak person (organization member of town A, or county-wide),
logged in with the authorization-code flow and PKCE; the API sees only the token.
The expectations are the same tables as the session-based matrix (tests/test_permission_matrix.py).
"""

from __future__ import annotations

import pytest
from django.test import Client

from identity.bootstrap import ensure_user

from ..test_permission_matrix import CONSOLE_ENDPOINTS, ROLES, TOWN_ENDPOINTS, world  # noqa: F401 (fixture)
from .test_tokens import login_with_pkce

pytestmark = pytest.mark.keycloak

TOWN_API = [row for row in TOWN_ENDPOINTS if row[1].startswith("/api/") and row[0] == "get"]
CONSOLE_API = [row for row in CONSOLE_ENDPOINTS if row[1].startswith("/api/") and row[0] == "get"]


@pytest.fixture
def tokens(sso, keycloak, world):
    """One real access token per role; town roles belong to town A's organization."""
    made = {}
    for role in ROLES[:-1]:
        county_wide = role in {"platform_admin", "county_finance"}
        username, password = f"{role.replace('_', '-')}-matrix", f"{role}-password-1"
        ensure_user(sso, username, f"{username}@example.org", password, [role],
                    organization_alias=None if county_wide else world["a"].slug)
        made[role] = login_with_pkce(keycloak.url, username, password)
    made["anonymous"] = None
    return made


def _get(host: str, path: str, token: str | None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client(HTTP_HOST=host).get(path, **headers)


def test_town_api_with_real_tokens(sso, world, tokens):
    assert TOWN_API, "the matrix lists town API endpoints"
    for _method, path, allowed, ok, refused in TOWN_API:
        for role in ROLES:
            for which, own in (("a", True), ("b", False)):
                status = _get(world[which].host, path, tokens[role]).status_code
                if role == "anonymous":
                    expected = ok if refused is None else 401
                elif refused is None or role == "platform_admin" and role in allowed:
                    expected = ok
                else:
                    expected = ok if own and role in allowed else 403
                assert status == expected, (role, which, path, status)


def test_console_api_with_real_tokens(sso, world, tokens, console_host):
    assert CONSOLE_API, "the matrix lists console API endpoints"
    for _method, path, allowed, ok, refused in CONSOLE_API:
        for role in ROLES:
            status = _get(console_host, path.format(ags=world["a"].ags), tokens[role]).status_code
            expected = 401 if role == "anonymous" else ok if role in allowed else refused
            assert status == expected, (role, path, status)
