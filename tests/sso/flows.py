"""Getting real tokens from the real Keycloak, as a browser or a machine does."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from urllib.parse import parse_qs, urlencode, urlparse

import requests
from django.conf import settings

from identity.bootstrap import PORTAL_CLIENT

# Registered for the portal client by the `keycloak` fixture; nothing needs to answer there.
CALLBACK = f"http://{settings.PLATFORM_DOMAIN}/oidc/callback/"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def token_endpoint(server_url: str, realm: str) -> str:
    return f"{server_url}/realms/{realm}/protocol/openid-connect/token"


def login_with_pkce(server_url: str, username: str, password: str, realm: str | None = None) -> str:
    """A person's access token through the authorization-code flow with PKCE, as the browser gets it."""
    return login_tokens(server_url, username, password, realm)["access_token"]


def login_tokens(server_url: str, username: str, password: str, realm: str | None = None,
                 callback: str = CALLBACK) -> dict:
    """The token response (access, ID and refresh token) of an authorization-code login with PKCE."""
    realm = realm or settings.KEYCLOAK_REALM
    verifier, challenge = pkce_pair()
    query = {"client_id": PORTAL_CLIENT, "response_type": "code", "scope": "openid", "redirect_uri": callback,
             "state": secrets.token_urlsafe(8), "code_challenge": challenge, "code_challenge_method": "S256"}
    session = requests.Session()
    answer = session.get(f"{server_url}/realms/{realm}/protocol/openid-connect/auth?{urlencode(query)}", timeout=30)
    answer.raise_for_status()
    # Keycloak's cookies are Secure; browsers send them to loopback over HTTP, requests does not.
    for cookie in session.cookies:
        cookie.secure = False
    # With organizations enabled, username and password may be asked on separate pages.
    for _step in range(3):
        action = re.search(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', answer.text)
        assert action, answer.text[:3000]
        fields = {"username": username} if 'name="username"' in answer.text else {}
        if 'name="password"' in answer.text:
            fields["password"] = password
        answer = session.post(html.unescape(action[1]), data=fields, allow_redirects=False, timeout=30)
        if answer.status_code != 200:
            break
    assert answer.status_code == 302, answer.text[:3000]
    location = urlparse(answer.headers["Location"])
    assert location.geturl().startswith(callback), location.geturl()
    code = parse_qs(location.query)["code"][0]
    response = requests.post(token_endpoint(server_url, realm), timeout=30, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": callback, "client_id": PORTAL_CLIENT,
        "code_verifier": verifier,
    })
    response.raise_for_status()
    return response.json()


def client_credentials_token(server_url: str, client_id: str, secret: str, realm: str | None = None) -> str:
    response = requests.post(token_endpoint(server_url, realm or settings.KEYCLOAK_REALM), timeout=30, data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
    })
    response.raise_for_status()
    return response.json()["access_token"]




def keycloak_form_login(session: requests.Session, page: requests.Response, username: str,
                        password: str) -> requests.Response:
    """Fill in Keycloak's login pages (user name and password may be asked separately); the last answer."""
    answer = page
    for _step in range(3):
        action = re.search(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', answer.text)
        if action is None:
            return answer
        fields = {"username": username} if 'name="username"' in answer.text else {}
        if 'name="password"' in answer.text:
            fields["password"] = password
        answer = session.post(html.unescape(action[1]), data=fields, allow_redirects=False, timeout=30)
        for cookie in session.cookies:
            cookie.secure = False
        if answer.status_code != 200:
            break
    return answer


def portal_login(client, username: str, password: str, next_path: str = "/"):
    """Sign in to the portal as a browser does: Django's OIDC start, Keycloak's form, Django's callback.

    ``client`` is a Django test client bound to a host whose callback Keycloak accepts.
    Returns the Keycloak browser session (its SSO cookie) and the callback's response.
    """
    start = client.get(f"/oidc/authenticate/?next={next_path}")
    assert start.status_code == 302, start.content[:500]
    browser = requests.Session()
    page = browser.get(start["Location"], timeout=30)
    page.raise_for_status()
    for cookie in browser.cookies:
        cookie.secure = False
    answer = keycloak_form_login(browser, page, username, password)
    assert answer.status_code == 302, answer.text[:3000]
    callback = urlparse(answer.headers["Location"])
    response = client.get(f"{callback.path}?{callback.query}")
    return browser, response
