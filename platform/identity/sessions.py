"""A portal session lasts as long as the person's Keycloak (SSO) session, and no longer.

Two ways Keycloak's word reaches the portal:

* Re-validation: every ``SSO_REVALIDATE_SECONDS`` a signed-in person's next request
  redeems the refresh token from their login at Keycloak. Keycloak refuses it when the
  account was disabled, the SSO session ended (logout, "sign out everywhere", idle or
  maximum lifetime) or was revoked; the portal then ends its session too. When it
  succeeds, the fresh access token's roles and Organizations replace the person's
  memberships, so removal from a town or a changed role applies within that interval.
* Back-channel logout: when an SSO session ends in Keycloak, Keycloak posts a signed
  logout token to ``/oidc/backchannel-logout/``; the sessions it names end at their
  next request, without waiting for the interval.

While Keycloak cannot be reached, a session stays valid for ``SSO_UNREACHABLE_GRACE_SECONDS``
after its last successful check, then ends. Break-glass sessions (no Keycloak login)
are not checked here; they are short (``BREAK_GLASS_SESSION_SECONDS``).
"""

from __future__ import annotations

import logging
import time

import jwt
import requests
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.caching import shared

logger = logging.getLogger(__name__)

REFRESH_TOKEN = "sso_refresh_token"
SID = "sso_sid"
SUB = "sso_sub"
CHECK_AT = "sso_check_at"
VALID_AT = "sso_valid_at"
LOGIN_AT = "sso_login_at"

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


def remember_login(session, token_info: dict, claims: dict) -> None:
    """Keep what re-validation needs from the token response of a login."""
    now = time.time()
    session[REFRESH_TOKEN] = token_info.get("refresh_token") or ""
    session[SID] = claims.get("sid") or ""
    session[SUB] = claims.get("sub") or ""
    session[LOGIN_AT] = now
    session[VALID_AT] = now
    session[CHECK_AT] = now + settings.SSO_REVALIDATE_SECONDS


def _revoked_sid_key(sid: str) -> str:
    return f"sso:ended:sid:{sid}"


def _revoked_sub_key(sub: str) -> str:
    return f"sso:ended:sub:{sub}"


def _ended_by_keycloak(session) -> bool:
    """Whether a back-channel logout named this session (by sid, or all sessions of its person)."""
    keys = [_revoked_sid_key(session.get(SID, ""))] if session.get(SID) else []
    if session.get(SUB):
        keys.append(_revoked_sub_key(session[SUB]))
    if not keys:
        return False
    found = shared().get_many(keys)
    if session.get(SID) and _revoked_sid_key(session[SID]) in found:
        return True
    ended_at = found.get(_revoked_sub_key(session.get(SUB, "")))
    return ended_at is not None and float(ended_at) >= float(session.get(LOGIN_AT, 0))


class SsoSessionMiddleware:
    """Ends a portal session that Keycloak ended; refreshes roles and towns from Keycloak."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and REFRESH_TOKEN in request.session:
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        session = request.session
        if _ended_by_keycloak(session):
            self._end(request, "ended in Keycloak (back-channel logout)")
            return
        now = time.time()
        if now < float(session.get(CHECK_AT, 0)):
            return
        try:
            response = requests.post(settings.OIDC_OP_TOKEN_ENDPOINT, timeout=settings.OIDC_TIMEOUT, data={
                "grant_type": "refresh_token", "refresh_token": session[REFRESH_TOKEN],
                "client_id": settings.OIDC_RP_CLIENT_ID,
            })
        except requests.RequestException as exc:
            self._unreachable(request, now, exc)
            return
        if response.status_code >= 500:
            self._unreachable(request, now, f"HTTP {response.status_code}")
            return
        if response.status_code != 200:
            # invalid_grant: account disabled, session logged out, expired or revoked.
            self._end(request, f"refused by Keycloak: {response.text[:200]}")
            return
        tokens = response.json()
        from identity.sync import sync_user_from_claims
        from identity.tokens import InvalidToken, validate_access_token

        try:
            claims = validate_access_token(tokens["access_token"])
        except (InvalidToken, KeyError) as exc:
            self._end(request, f"refreshed token not valid: {exc}")
            return
        if claims.get("sub") != session.get(SUB) or claims.get("preferred_username") != request.user.get_username():
            self._end(request, "refreshed token names another person")
            return
        request.user = sync_user_from_claims(claims)
        session[REFRESH_TOKEN] = tokens.get("refresh_token") or session[REFRESH_TOKEN]
        session[VALID_AT] = now
        session[CHECK_AT] = now + settings.SSO_REVALIDATE_SECONDS

    def _unreachable(self, request, now: float, why) -> None:
        if now - float(request.session.get(VALID_AT, 0)) > settings.SSO_UNREACHABLE_GRACE_SECONDS:
            self._end(request, f"Keycloak unreachable beyond the grace period ({why})")
            return
        logger.warning("could not re-validate the session of %s with Keycloak: %s", request.user, why)
        # Try again at the next request, not only after the interval.

    def _end(self, request, why: str) -> None:
        logger.info("portal session of %s ended: %s", request.user, why)
        logout(request)  # flushes the session; request.user becomes anonymous


def _verify_logout_token(raw: str) -> dict:
    """The claims of a back-channel logout token, checked as OpenID Connect Back-Channel Logout 1.0 asks."""
    from identity.tokens import InvalidToken, signing_key

    try:
        header = jwt.get_unverified_header(raw)
        unverified = jwt.decode(raw, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise InvalidToken("not a JWT") from exc
    if header.get("alg") != "RS256" or not header.get("kid"):
        raise InvalidToken("unexpected signing algorithm or no key id")
    if unverified.get("iss") != settings.OIDC_ISSUER:
        raise InvalidToken("issued by another issuer")
    key = signing_key(header["kid"])
    try:
        claims = jwt.decode(raw, key=key, algorithms=["RS256"], audience=settings.OIDC_RP_CLIENT_ID,
                            issuer=settings.OIDC_ISSUER, leeway=5, options={"require": ["iat", "iss", "aud"]})
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    if BACKCHANNEL_EVENT not in (claims.get("events") or {}):
        raise InvalidToken("not a logout token")
    if "nonce" in claims:
        raise InvalidToken("a logout token carries no nonce")
    if not (claims.get("sid") or claims.get("sub")):
        raise InvalidToken("names no session")
    return claims


@csrf_exempt
@require_POST
def backchannel_logout(request):
    """Keycloak says an SSO session ended: every portal session of it ends at its next request."""
    from core.audit.log import log_action
    from identity.tokens import InvalidToken

    try:
        claims = _verify_logout_token(request.POST.get("logout_token", ""))
    except InvalidToken as exc:
        logger.warning("refused a back-channel logout: %s", exc)
        return HttpResponseBadRequest("invalid logout token")
    ttl = settings.SSO_SESSION_MAX_SECONDS
    if claims.get("sid"):
        shared().set(_revoked_sid_key(claims["sid"]), 1, ttl)
    else:
        shared().set(_revoked_sub_key(claims["sub"]), time.time(), ttl)
    log_action("identity.session.ended_by_keycloak", actor="keycloak", sid=claims.get("sid", ""),
               sub=claims.get("sub", ""))
    response = HttpResponse(status=200)
    response["Cache-Control"] = "no-store"
    return response


backchannel_logout.town_public = True
