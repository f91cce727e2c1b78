"""API authentication with Keycloak bearer tokens, and the town binding of API callers."""

from __future__ import annotations

import hashlib
import json

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from core import caching
from core.principals import ServicePrincipal
from identity.tokens import InvalidToken, KeysUnavailable, validate_access_token
from tenants.access import can_access_town, is_platform_admin

SERVICE_ACCOUNT_PREFIX = "service-account-"
# A person's token is synchronised into their account (user, county roles, memberships) at its first
# request; its later requests within this time read the account, unless it was saved or deleted since.
SYNCED_TOKEN_SECONDS = 60


def _synced_token_key(claims: dict) -> str:
    digest = hashlib.sha256(json.dumps(claims, sort_keys=True, default=str).encode()).hexdigest()
    return f"api-token-synced:{digest}"


class IdentityProviderUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = _("Tokens cannot be checked right now; please try again later.")
    default_code = "identity_provider_unavailable"


class BearerTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <access token>`` issued by the realm for ``API_AUDIENCE``.

    People become (and stay in step with) Django users through
    ``sync_user_from_claims``; town service accounts become a ``ServicePrincipal``
    that is never saved. Without the header it steps aside for the next class.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header: expected 'Bearer <token>'."))
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Malformed bearer token.")) from None
        try:
            claims = validate_access_token(token)
        except KeysUnavailable:
            raise IdentityProviderUnavailable() from None
        except InvalidToken as error:
            raise exceptions.AuthenticationFailed(_("Invalid bearer token: %(reason)s") % {"reason": error}) from None
        return self._principal(claims), claims

    def _principal(self, claims: dict):
        username = claims.get("preferred_username") or ""
        if username.startswith(SERVICE_ACCOUNT_PREFIX):
            town, client_id = claims.get("town"), claims.get("azp")
            if not isinstance(town, str) or not town or not client_id:
                # A machine that is not bound to a town acts for no town, and is no person either.
                raise exceptions.AuthenticationFailed(_("This service account is not bound to a town."))
            return ServicePrincipal(client_id=client_id, town=town, claims=claims)
        if not username:
            raise exceptions.AuthenticationFailed(_("The token names no user."))
        # Imported here: the user sync pulls in models and the rest of the login machinery.
        from identity.backend import cached_account
        from identity.sync import sync_user_from_claims

        key = _synced_token_key(claims)
        synced = caching.shared().get(key)
        user = cached_account(synced) if synced is not None else None
        if user is None:
            user = sync_user_from_claims(claims)
            caching.shared().set(key, user.pk, SYNCED_TOKEN_SECONDS)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user

    def authenticate_header(self, request):
        # A WWW-Authenticate challenge makes DRF answer 401 (not 403) to unauthenticated requests.
        return f'{self.keyword} realm="kiverbund"'


class IsTownMember(permissions.BasePermission):
    """The caller may act at this town host: a member, the town's service account, or county IT."""

    message = _("You have no access to this town.")

    def has_permission(self, request, view):
        town = getattr(request, "tenant", None)
        if town is None:
            self.message = _("This API is served at a town's host only.")
            return False
        return bool(request.user and request.user.is_authenticated and can_access_town(request.user, town))


class ClosedByDefault(IsTownMember):
    """Every API view's default permission (REST_FRAMEWORK's DEFAULT_PERMISSION_CLASSES).

    At a town's host the caller must be a member of that town, its service account, or county IT; at
    the console host county IT. A view opens up only by saying so: ``town_public = True`` (citizen
    endpoints) or permission classes of its own. A new view that names no permission is closed.
    """

    def has_permission(self, request, view):
        if getattr(view, "town_public", False):
            return True
        if getattr(request, "tenant", None) is None:
            self.message = _("This API is for the county's IT administrators.")
            return bool(request.user and request.user.is_authenticated and is_platform_admin(request.user))
        return super().has_permission(request, view)
