"""Bearer tokens of API clients, validated locally against the realm's signing keys.

No call to Keycloak per request: the realm's JWKS is fetched once and cached
(``JWKS_CACHE_SECONDS``). A token signed with a key we do not know yet (Keycloak
rotated its keys) triggers one early refresh, at most every
``UNKNOWN_KID_REFRESH_SECONDS``, so random ``kid`` values cannot make us hammer
Keycloak. When Keycloak cannot be reached, the keys we already have keep
validating tokens: the API stays up while the identity provider is down.

A machine sends the same token with every request until it expires; each process
keeps the claims of tokens it has validated (``VALIDATED_TOKEN_SECONDS``, and never
past their expiry), so the signature of one token is checked once, not per request.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import jwt
import requests
from django.conf import settings

logger = logging.getLogger(__name__)

# Keycloak signs access tokens with RS256 by default; anything else (none, HS*, and
# the key-confusion tricks that come with them) is refused before a key is looked up.
ALGORITHMS = ["RS256"]
# Tolerated clock difference between Keycloak and us, for exp, nbf and iat.
LEEWAY_SECONDS = 5
# A token with an unknown key id refreshes the key set at most this often.
UNKNOWN_KID_REFRESH_SECONDS = 10
# After a failed fetch, stale keys are used this long before the next attempt.
RETRY_AFTER_FAILURE_SECONDS = 10
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
# A validated token's claims are reused this long (and never after the token expires).
VALIDATED_TOKEN_SECONDS = 60
VALIDATED_TOKEN_LIMIT = 4096


class InvalidToken(Exception):
    """The token must not be accepted; ``str(error)`` says why (safe to show to the client)."""


class KeysUnavailable(InvalidToken):
    """No signing keys at all: Keycloak unreachable before the first successful fetch."""


class _KeyCache:
    """The realm's signing keys by key id; one instance per process, shared by all threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.url: str | None = None
        self.keys: dict[str, jwt.PyJWK] = {}
        self.fetched_at: float | None = None  # last successful fetch
        self.failed_at: float | None = None  # last failed fetch
        self.kid_refresh_at: float | None = None  # last refresh forced by an unknown key id
        self.fetches = 0  # attempts, for tests and diagnostics

    def key(self, kid: str) -> jwt.PyJWK:
        url = settings.OIDC_OP_JWKS_ENDPOINT
        with self._lock:
            if url != self.url:  # another realm or server configured (tests): start afresh
                self.reset()
                self.url = url
            now = time.monotonic()
            refreshed = False
            if self._stale(now) and not self._recently(self.failed_at, RETRY_AFTER_FAILURE_SECONDS, now):
                refreshed = self._refresh(now)
            if kid not in self.keys and not refreshed and self.keys \
                    and not self._recently(self.kid_refresh_at, UNKNOWN_KID_REFRESH_SECONDS, now) \
                    and not self._recently(self.failed_at, RETRY_AFTER_FAILURE_SECONDS, now):
                self.kid_refresh_at = now
                self._refresh(now)
            if not self.keys:
                raise KeysUnavailable("The signing keys of the identity provider are unavailable")
            try:
                return self.keys[kid]
            except KeyError:
                raise InvalidToken("Token signed with an unknown key") from None

    def _stale(self, now: float) -> bool:
        return self.fetched_at is None or now - self.fetched_at >= settings.JWKS_CACHE_SECONDS

    @staticmethod
    def _recently(moment: float | None, seconds: float, now: float) -> bool:
        return moment is not None and now - moment < seconds

    def _refresh(self, now: float) -> bool:
        """Fetch the key set; on failure keep what we have. True if the keys were replaced."""
        self.fetches += 1
        try:
            response = requests.get(self.url, timeout=getattr(settings, "OIDC_TIMEOUT", 10))
            response.raise_for_status()
            keys = _signing_keys(response.json())
        except (requests.RequestException, ValueError) as error:
            self.failed_at = now
            logger.warning("Fetching the signing keys from %s failed (%s); keeping %d cached key(s)",
                           self.url, error, len(self.keys))
            return False
        if not keys:
            self.failed_at = now
            logger.warning("The key set at %s holds no RS256 signing key; keeping the cached keys", self.url)
            return False
        self.keys = keys
        self.fetched_at = now
        self.failed_at = None
        return True


def _signing_keys(jwks: dict[str, Any]) -> dict[str, jwt.PyJWK]:
    """The RSA signature keys of a JWKS document (Keycloak lists encryption keys there too)."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise ValueError("not a JWKS document")
    keys = {}
    for data in jwks["keys"]:
        if not isinstance(data, dict) or not data.get("kid") or data.get("kty") != "RSA":
            continue
        if data.get("use", "sig") != "sig" or data.get("alg", "RS256") not in ALGORITHMS:
            continue
        try:
            keys[data["kid"]] = jwt.PyJWK(data, algorithm="RS256")
        except jwt.PyJWTError as error:
            logger.warning("Skipping unusable key %s: %s", data.get("kid"), error)
    return keys


_cache = _KeyCache()
# token -> (monotonic time until which it may be reused, issuer, audience, claims)
_validated: dict[str, tuple[float, str, str, dict]] = {}


def signing_key(kid: str) -> jwt.PyJWK:
    """The realm's signing key ``kid`` (cached as for access tokens); ``InvalidToken`` if unknown."""
    return _cache.key(kid)


def reset_key_cache() -> None:
    """Forget all cached signing keys, validated tokens and refresh timers (tests)."""
    with _cache._lock:
        _cache.reset()
        _validated.clear()


def key_cache_fetches() -> int:
    """How many times the key set was fetched since the last reset (tests, diagnostics)."""
    return _cache.fetches


def validate_access_token(token: str) -> dict:
    """The claims of a valid access token for our API; ``InvalidToken`` otherwise.

    Checks: RS256 signature by a key of the realm, issuer, audience
    ``API_AUDIENCE``, expiry, not-before and issued-at (with ``LEEWAY_SECONDS``),
    and that it is an access token (Keycloak's ``typ: Bearer``), not an ID token.
    """
    known = _validated.get(token)
    if known is not None:
        until, issuer, audience, claims = known
        if (time.monotonic() < until and time.time() < claims["exp"] + LEEWAY_SECONDS
                and issuer == settings.OIDC_ISSUER and audience == settings.API_AUDIENCE):
            return dict(claims)
        _validated.pop(token, None)
    claims = _validate(token)
    if len(_validated) >= VALIDATED_TOKEN_LIMIT:
        _validated.clear()  # many distinct tokens at once: start afresh rather than grow
    _validated[token] = (time.monotonic() + VALIDATED_TOKEN_SECONDS, settings.OIDC_ISSUER, settings.API_AUDIENCE,
                         dict(claims))
    return claims


def _validate(token: str) -> dict:
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise InvalidToken("Malformed token") from None
    if header.get("alg") not in ALGORITHMS:
        raise InvalidToken(f"Token algorithm {header.get('alg')!r} is not accepted")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("Token names no signing key")
    # Checked again below after the signature; here it keeps foreign tokens from
    # triggering key refreshes.
    if unverified.get("iss") != settings.OIDC_ISSUER:
        raise InvalidToken("Token issued by another issuer")
    key = _cache.key(kid)
    try:
        claims = jwt.decode(
            token, key, algorithms=ALGORITHMS, audience=settings.API_AUDIENCE, issuer=settings.OIDC_ISSUER,
            leeway=LEEWAY_SECONDS, options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("Token expired") from None
    except jwt.ImmatureSignatureError:
        raise InvalidToken("Token not yet valid") from None
    except jwt.InvalidAudienceError:
        raise InvalidToken(f"Token not issued for {settings.API_AUDIENCE}") from None
    except jwt.InvalidIssuerError:
        raise InvalidToken("Token issued by another issuer") from None
    except jwt.InvalidSignatureError:
        raise InvalidToken("Token signature invalid") from None
    except jwt.MissingRequiredClaimError as error:
        raise InvalidToken(f"Token lacks the {error.claim!r} claim") from None
    except jwt.PyJWTError:
        raise InvalidToken("Token invalid") from None
    if claims.get("typ", "Bearer") != "Bearer":
        raise InvalidToken(f"Not an access token (typ {claims.get('typ')!r})")
    return claims
