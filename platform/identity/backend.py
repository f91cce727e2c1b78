"""Authentication backends: Keycloak (OIDC, authorization code + PKCE) for people, password for break-glass only."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from core import caching
from identity.sync import sync_user_from_claims


def _user_key(user_id) -> str:
    return f"auth-user:{user_id}"


def forget_user(sender, instance, **kwargs) -> None:
    """Connected to the user model's saves and deletes (identity.apps): the next request reads the row."""
    caching.forget(_user_key(instance.pk))


def cached_account(user_id):
    """The account with this id through the same cache as a signed-in request's, or None."""
    key = _user_key(user_id)
    user = caching.shared().get(key)
    if user is None:
        user = get_user_model()._default_manager.filter(pk=user_id).first()
        if user is not None:
            caching.shared().set(key, user, settings.AUTH_USER_CACHE_SECONDS)
    return user


class CachedUserMixin:
    """The signed-in person's account, read through the shared cache (``AUTH_USER_CACHE_SECONDS``).

    Every signed-in request asks for it. Saving or deleting the account drops the copy at once
    (a deactivation, a new password, roles synchronised from Keycloak), so no request acts on an
    account older than its last save; only a change that bypasses the model's signals (a bulk
    ``update``) waits for the copy to expire.
    """

    def get_user(self, user_id):
        key = _user_key(user_id)
        user = caching.shared().get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                caching.shared().set(key, user, settings.AUTH_USER_CACHE_SECONDS)
        return user


class KeycloakBackend(CachedUserMixin, OIDCAuthenticationBackend):
    """mozilla-django-oidc does the code exchange and checks the ID token; we read the access token.

    The access token carries what the platform needs (roles, organization,
    audience) and is validated by the same code as every API request, so the
    userinfo endpoint is not asked.
    """

    def get_token(self, payload):
        self._token_info = super().get_token(payload)
        return self._token_info

    def get_userinfo(self, access_token, id_token, payload):
        from identity.sessions import remember_login
        from identity.tokens import validate_access_token

        claims = validate_access_token(access_token)
        # The portal session follows the SSO session: identity.sessions re-validates it.
        remember_login(self.request.session, getattr(self, "_token_info", {}), claims)
        return claims

    def verify_claims(self, claims):
        return bool(claims.get("preferred_username"))

    def filter_users_by_claims(self, claims):
        return get_user_model().objects.filter(username=claims.get("preferred_username"))

    def create_user(self, claims):
        return sync_user_from_claims(claims)

    def update_user(self, user, claims):
        return sync_user_from_claims(claims)


class BreakGlassBackend(CachedUserMixin, ModelBackend):
    """Password login for superusers only: the documented emergency access when Keycloak is down."""

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and user.is_superuser
