"""The Keycloak realm as code.

``bootstrap_realm`` brings a realm to the state the platform expects and is
idempotent: it compares before it writes and reports what it created or
updated, so a second run reports nothing. The helpers below it manage the
per-town parts (organizations, users, service accounts, invitations) for
onboarding and tests.

Tokens issued to the portal and to town service accounts carry
``aud: kiverbund-api``, the user's realm roles as a flat ``roles`` list
(the county-wide roles ``platform_admin`` and ``county_finance``), and for
people ``organization``: the aliases of the towns (Keycloak organizations)
the user belongs to, and ``groups``: the person's roles in each town as group
paths ``/towns/<alias>/<role>``. A town role is a group of that town, so a
person who belongs to two towns can be the admin of one and staff of the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from keycloak import KeycloakAdmin
from keycloak.exceptions import KeycloakGetError

REALM = "kiverbund"
PORTAL_CLIENT = "kiverbund-portal"
API_CLIENT = "kiverbund-api"
# Shared by the portal and every town service account: audience and roles.
API_SCOPE = "kiverbund"
# Created by Keycloak 26 in every realm; its mapper puts the organizations into tokens.
ORGANIZATION_SCOPE = "organization"

# Sign-in protections, the same for every realm the platform runs (see docs/operators.md).
# At least twelve characters and not the user name or e-mail address: length rather than
# composition rules or forced rotation, as NIST SP 800-63B and the BSI's current advice have it.
PASSWORD_POLICY = "length(12) and maxLength(128) and notUsername and notEmail"
BRUTE_FORCE = {
    "bruteForceProtected": True,
    # Temporary lockouts only: a permanent one would let anyone lock out any colleague by name.
    "permanentLockout": False,
    "failureFactor": 5,
    "waitIncrementSeconds": 60,
    "maxFailureWaitSeconds": 900,
    "maxDeltaTimeSeconds": 43200,
    "quickLoginCheckMilliSeconds": 1000,
    "minimumQuickLoginWaitSeconds": 60,
}
# An SSO session ends after 30 idle minutes or 10 hours at most; the portal re-checks its
# session against Keycloak (identity.sessions), so a Django session never outlives it.
SSO_SESSION_IDLE_SECONDS = 30 * 60
SSO_SESSION_MAX_SECONDS = 10 * 60 * 60
ACCESS_TOKEN_SECONDS = 5 * 60
# Invitation links (and other links an administrator has Keycloak send) stay valid this long.
DEFAULT_INVITATION_DAYS = 7
# Clients Keycloak creates in every realm; none of them may take passwords directly.
BUILT_IN_CLIENTS = ("admin-cli", "account", "account-console", "broker", "realm-management",
                    "security-admin-console")

# Keycloak's invitation mail in German, formal. Keycloak fills in {0} the link, {2} the realm's display
# name (the provider, e.g. "KI-Verbund Landkreis Musterland"), {3} the town (the Organization's name),
# {4} how long the link is valid, {5} {6} the person's first and last name where Keycloak knows them.
_INVITE_TEXT = (
    "Sie wurden eingeladen, im {2} für {3} mitzuarbeiten. Über den KI-Verbund nutzen die Gemeinden des "
    "Landkreises gemeinsame KI-Dienste.\n\nBitte folgen Sie diesem Link, um die Einladung anzunehmen und sich "
    "anzumelden:\n\n{0}\n\nDer Link ist {4} gültig. Wenn Sie diese Einladung nicht erwartet haben, können Sie "
    "diese Nachricht ignorieren.\n"
)
_INVITE_HTML = (
    "<p>Sie wurden eingeladen, im {2} für <strong>{3}</strong> mitzuarbeiten. Über den KI-Verbund nutzen die "
    "Gemeinden des Landkreises gemeinsame KI-Dienste.</p><p><a href=\"{0}\">Einladung annehmen und anmelden</a></p>"
    "<p>Der Link ist {4} gültig. Wenn Sie diese Einladung nicht erwartet haben, können Sie diese Nachricht "
    "ignorieren.</p>"
)
MESSAGES_DE = {
    "orgInviteSubject": "Einladung: {0} im KI-Verbund",
    "orgInviteBody": "Guten Tag,\n\n" + _INVITE_TEXT,
    "orgInviteBodyHtml": "<p>Guten Tag,</p>" + _INVITE_HTML,
    "orgInviteBodyPersonalized": "Guten Tag {5} {6},\n\n" + _INVITE_TEXT,
    "orgInviteBodyPersonalizedHtml": "<p>Guten Tag {5} {6},</p>" + _INVITE_HTML,
    # Added by the platform's email theme (keycloak_theme/kiverbund): {0} the town portal's address, {1} the town.
    "kiverbundPortal": "Das Portal von {1} im KI-Verbund: {0}\n",
    "kiverbundPortalHtml": "<p>Das Portal von {1} im KI-Verbund: <a href=\"{0}\">{0}</a></p>",
}
# The platform's email theme (this folder's ``kiverbund``): Keycloak's invitation mail with the town portal's
# address. ``devtools.stack.keycloak`` installs it into Keycloak's themes/; elsewhere operators copy it there.
EMAIL_THEME = "kiverbund"
THEME_DIR = Path(__file__).with_name("keycloak_theme")

TOWN_GROUPS = "towns"
TOWN_ROLES = ("town_admin", "town_staff", "finance", "dpo")
COUNTY_ROLES = ("platform_admin", "county_finance")

ROLES = {
    "platform_admin": "County IT: onboards towns, curates the catalogue, runs billing",
    "town_admin": "Town administrator: invites colleagues, assigns roles, subscribes to services",
    "town_staff": "Town staff: uses the subscribed services",
    "finance": "Town finance (Kämmerei): reads its own town's cost reports",
    "dpo": "Data protection officer: compliance checklist and KI-Register",
    "county_finance": "County finance: reads the cost reports of all towns",
}

_AUDIENCE_MAPPER = {
    "name": "audience kiverbund-api",
    "protocol": "openid-connect",
    "protocolMapper": "oidc-audience-mapper",
    "config": {
        "included.client.audience": API_CLIENT,
        "access.token.claim": "true",
        "id.token.claim": "false",
        "introspection.token.claim": "true",
    },
}
_GROUPS_MAPPER = {
    "name": "town roles",
    "protocol": "openid-connect",
    "protocolMapper": "oidc-group-membership-mapper",
    "config": {
        "claim.name": "groups",
        "full.path": "true",
        "access.token.claim": "true",
        "id.token.claim": "true",
        "userinfo.token.claim": "true",
        "introspection.token.claim": "true",
    },
}

_ROLES_MAPPER = {
    "name": "realm roles",
    "protocol": "openid-connect",
    "protocolMapper": "oidc-usermodel-realm-role-mapper",
    "config": {
        "claim.name": "roles",
        "multivalued": "true",
        "jsonType.label": "String",
        "access.token.claim": "true",
        "id.token.claim": "true",
        "userinfo.token.claim": "true",
        "introspection.token.claim": "true",
    },
}


@dataclass
class Changes:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {"created": self.created, "updated": self.updated}


def _differs(current: Any, desired: Any) -> bool:
    """Whether ``current`` lacks something ``desired`` asks for.

    Keys absent from ``desired`` are ignored: Keycloak fills in many defaults we
    do not manage. Lists of strings compare as sets (Keycloak does not keep order).
    """
    if isinstance(desired, dict):
        return not isinstance(current, dict) or any(_differs(current.get(k), v) for k, v in desired.items())
    if isinstance(desired, list) and all(isinstance(item, str) for item in desired):
        return not isinstance(current, list) or sorted(current) != sorted(desired)
    return current != desired


def admin_client(server_url: str, admin_user: str, admin_password: str, realm: str = REALM) -> KeycloakAdmin:
    """An admin API client for ``realm``, authenticated as a master-realm administrator."""
    return KeycloakAdmin(server_url=server_url, username=admin_user, password=admin_password,
                         realm_name=realm, user_realm_name="master")


def bootstrap_realm(
    server_url: str,
    admin_user: str,
    admin_password: str,
    realm: str = REALM,
    portal_redirect_uris: list[str] | None = None,
    web_origins: list[str] | None = None,
    post_logout_redirect_uris: list[str] | None = None,
    smtp: dict[str, Any] | None = None,
    backchannel_logout_url: str | None = None,
    invitation_days: int = DEFAULT_INVITATION_DAYS,
    display_name: str = "KI-Verbund",
    email_theme: str | None = None,
) -> dict[str, list[str]]:
    """Create or update the realm; returns ``{"created": [...], "updated": [...]}``.

    ``backchannel_logout_url`` is where Keycloak tells the portal that an SSO session
    ended (``https://<console host>/oidc/backchannel-logout/``); ``invitation_days`` is
    how long invitation links stay valid; ``display_name`` names the provider (the county) on
    Keycloak's pages and in its mails; ``email_theme`` (``EMAIL_THEME`` where the platform's theme is
    installed in Keycloak) adds the town portal's address to the invitation mail.

    Keycloak matches a redirect URI wildcard only at the end of the path, not in
    the host: a town host must be listed itself (see ``ensure_portal_redirect_uris``).
    ``smtp`` is e.g. ``{"host": "127.0.0.1", "port": 25, "from": "noreply@example.org"}``.
    """
    admin = admin_client(server_url, admin_user, admin_password, realm)
    changes = Changes()
    _ensure_realm(admin, realm, smtp, invitation_days, display_name, changes, email_theme)
    _ensure_email_editable(admin, changes)
    _ensure_messages(admin, realm, "de", MESSAGES_DE, changes)
    for built_in in BUILT_IN_CLIENTS:
        _refuse_password_grants(admin, built_in, changes)
    for name, description in ROLES.items():
        _ensure_role(admin, name, description, changes)
    _ensure_client(admin, {
        "clientId": API_CLIENT,
        "name": "KI-Verbund API",
        "enabled": True,
        "protocol": "openid-connect",
        "publicClient": False,
        # Only an audience for tokens: it never obtains tokens itself.
        "bearerOnly": True,
        "standardFlowEnabled": False,
        "implicitFlowEnabled": False,
        "directAccessGrantsEnabled": False,
        "serviceAccountsEnabled": False,
    }, changes)
    scope_id = _ensure_client_scope(admin, API_SCOPE, [_AUDIENCE_MAPPER, _ROLES_MAPPER, _GROUPS_MAPPER],
                                    changes)
    # Towns add their own addresses to the portal client when they are onboarded
    # (ensure_portal_redirect_uris); running the bootstrap again keeps them.
    existing_portal = admin.get_client_id(PORTAL_CLIENT)
    current = admin.get_client(existing_portal) if existing_portal else {}
    portal_id = _ensure_client(admin, {
        "clientId": PORTAL_CLIENT,
        "name": "KI-Verbund Portal",
        "enabled": True,
        "protocol": "openid-connect",
        "publicClient": True,
        "standardFlowEnabled": True,
        "implicitFlowEnabled": False,
        "directAccessGrantsEnabled": False,
        "serviceAccountsEnabled": False,
        "redirectUris": sorted(set(portal_redirect_uris or []) | set(current.get("redirectUris", []))),
        "webOrigins": sorted(set(web_origins or []) | set(current.get("webOrigins", []))),
        "attributes": {
            "pkce.code.challenge.method": "S256",
            "post.logout.redirect.uris": "##".join(post_logout_redirect_uris or ["+"]),
            # Keycloak names the ended session (sid) in its logout token; the portal ends that one.
            "backchannel.logout.session.required": "true",
            **({"backchannel.logout.url": backchannel_logout_url} if backchannel_logout_url else {}),
        },
    }, changes)
    organization_scope = admin.get_client_scope_by_name(ORGANIZATION_SCOPE)
    if organization_scope is None:
        raise RuntimeError(f"realm {realm} has no {ORGANIZATION_SCOPE!r} client scope; is this Keycloak 26+?")
    _ensure_default_scopes(admin, PORTAL_CLIENT, portal_id, {API_SCOPE: scope_id,
                                                             ORGANIZATION_SCOPE: organization_scope["id"]}, changes)
    return changes.as_dict()


def _ensure_realm(admin: KeycloakAdmin, realm: str, smtp: dict[str, Any] | None, invitation_days: int,
                  display_name: str, changes: Changes, email_theme: str | None = None) -> None:
    if not 1 <= int(invitation_days) <= 90:
        raise ValueError(f"invitation validity must be 1 to 90 days, not {invitation_days}")
    desired: dict[str, Any] = {
        "realm": realm,
        "enabled": True,
        "displayName": display_name,
        "organizationsEnabled": True,
        "registrationAllowed": False,
        "loginWithEmailAllowed": True,
        "internationalizationEnabled": True,
        "supportedLocales": ["de", "en"],
        "defaultLocale": "de",
        # People cannot rename themselves. Keycloak sends no "confirm your address" mail: the invitation link,
        # mailed to the address, proves it (identity.sync records that proof); an address someone types into
        # their account stays unverified, and invitations never follow unverified addresses.
        "verifyEmail": False,
        "editUsernameAllowed": False,
        "passwordPolicy": PASSWORD_POLICY,
        **BRUTE_FORCE,
        "ssoSessionIdleTimeout": SSO_SESSION_IDLE_SECONDS,
        "ssoSessionMaxLifespan": SSO_SESSION_MAX_SECONDS,
        "accessTokenLifespan": ACCESS_TOKEN_SECONDS,
        "actionTokenGeneratedByAdminLifespan": int(invitation_days) * 24 * 60 * 60,
    }
    if email_theme:
        desired["emailTheme"] = email_theme
    if smtp is not None:
        # Keycloak stores every SMTP setting as a string.
        desired["smtpServer"] = {key: str(value) for key, value in smtp.items()}
    try:
        current = admin.get_realm(realm)
    except KeycloakGetError as error:
        if error.response_code != 404:
            raise
        admin.create_realm(desired)
        changes.created.append(f"realm {realm}")
        return
    # Keycloak never returns the SMTP password (only a mask): compare without it.
    comparable = dict(desired)
    if "smtpServer" in desired:
        comparable["smtpServer"] = {k: v for k, v in desired["smtpServer"].items() if k != "password"}
    if _differs(current, comparable):
        admin.update_realm(realm, desired)
        changes.updated.append(f"realm {realm}")


def _ensure_email_editable(admin: KeycloakAdmin, changes: Changes) -> None:
    """People may edit their address; a changed address is unverified (and Keycloak does not verify it).

    Not admin-only: Keycloak then leaves the address out of the registration form, and people
    who register through an invitation would end up without one. Invitations never follow an
    unverified address, nor an address on an account older than the invitation (``identity.sync``).
    """
    profile = admin.get_realm_users_profile()
    dirty = False
    for attribute in profile.get("attributes", []):
        if attribute.get("name") == "email":
            permissions = attribute.setdefault("permissions", {})
            if sorted(permissions.get("edit") or []) != ["admin", "user"]:
                permissions["edit"] = ["admin", "user"]
                dirty = True
    if dirty:
        admin.update_realm_users_profile(profile)
        changes.updated.append("user profile email")


def _ensure_messages(admin: KeycloakAdmin, realm: str, locale: str, messages: dict[str, str],
                     changes: Changes) -> None:
    """The realm's own texts for ``locale`` (they override Keycloak's theme, e.g. in mails)."""
    base = f"{admin.connection.base_url.rstrip('/')}/admin/realms/{realm}/localization/{locale}"
    admin.get_realm(realm)  # refreshes the admin token if it expired
    headers = {"Authorization": f"Bearer {admin.connection.token['access_token']}"}
    response = requests.get(base, headers=headers, timeout=30)
    current = response.json() if response.status_code == 200 else {}
    for key, text in messages.items():
        if current.get(key) != text:
            requests.put(f"{base}/{key}", data=text.encode(), timeout=30,
                         headers={**headers, "Content-Type": "text/plain; charset=utf-8"}).raise_for_status()
            changes.updated.append(f"message {locale}/{key}")


def _refuse_password_grants(admin: KeycloakAdmin, client_id: str, changes: Changes) -> None:
    """No built-in client takes a user's password directly (admin-cli does by default)."""
    internal_id = admin.get_client_id(client_id)
    if internal_id is None:
        return
    client = admin.get_client(internal_id)
    if client.get("directAccessGrantsEnabled"):
        admin.update_client(internal_id, {**client, "directAccessGrantsEnabled": False})
        changes.updated.append(f"client {client_id}")


def _ensure_role(admin: KeycloakAdmin, name: str, description: str, changes: Changes) -> None:
    try:
        current = admin.get_realm_role(name)
    except KeycloakGetError as error:
        if error.response_code != 404:
            raise
        admin.create_realm_role({"name": name, "description": description})
        changes.created.append(f"role {name}")
        return
    if current.get("description") != description:
        admin.update_realm_role(name, {"name": name, "description": description})
        changes.updated.append(f"role {name}")


def _ensure_client(admin: KeycloakAdmin, desired: dict[str, Any], changes: Changes) -> str:
    """The client's internal id, after creating or updating it."""
    client_id = desired["clientId"]
    internal_id = admin.get_client_id(client_id)
    if internal_id is None:
        internal_id = admin.create_client(desired)
        changes.created.append(f"client {client_id}")
    elif _differs(admin.get_client(internal_id), desired):
        admin.update_client(internal_id, desired)
        changes.updated.append(f"client {client_id}")
    return internal_id


def _ensure_mappers(existing: list[dict], desired: list[dict], owner: str, changes: Changes,
                    add: Callable[[dict], object], update: Callable[[str, dict], object]) -> None:
    by_name = {mapper["name"]: mapper for mapper in existing}
    for mapper in desired:
        current = by_name.get(mapper["name"])
        if current is None:
            add(mapper)
            changes.created.append(f"mapper {owner}/{mapper['name']}")
        elif _differs(current, mapper):
            update(current["id"], {**mapper, "id": current["id"]})
            changes.updated.append(f"mapper {owner}/{mapper['name']}")


def _ensure_client_scope(admin: KeycloakAdmin, name: str, mappers: list[dict], changes: Changes) -> str:
    desired = {"name": name, "protocol": "openid-connect",
               "attributes": {"include.in.token.scope": "false", "display.on.consent.screen": "false"}}
    scope = admin.get_client_scope_by_name(name)
    if scope is None:
        scope_id = admin.create_client_scope(desired)
        changes.created.append(f"client scope {name}")
        existing: list[dict] = []
    else:
        scope_id = scope["id"]
        if _differs(scope, desired):
            admin.update_client_scope(scope_id, desired)
            changes.updated.append(f"client scope {name}")
        existing = scope.get("protocolMappers", [])
    _ensure_mappers(
        existing, mappers, f"scope {name}", changes,
        add=lambda mapper: admin.add_mapper_to_client_scope(scope_id, mapper),
        update=lambda mapper_id, mapper: admin.update_mapper_in_client_scope(scope_id, mapper_id, mapper),
    )
    return scope_id


def _ensure_default_scopes(admin: KeycloakAdmin, client_id: str, internal_id: str, scopes: dict[str, str],
                           changes: Changes) -> None:
    present = {scope["name"] for scope in admin.get_client_default_client_scopes(internal_id)}
    optional = {scope["name"] for scope in admin.get_client_optional_client_scopes(internal_id)}
    for name, scope_id in scopes.items():
        if name not in present:
            # A scope is either default or optional for a client; Keycloak ignores
            # the request to make an optional scope default.
            if name in optional:
                admin.delete_client_optional_client_scope(internal_id, scope_id)
            admin.add_client_default_client_scope(
                internal_id, scope_id, {"realm": admin.connection.realm_name, "client": internal_id,
                                        "clientScopeId": scope_id})
            changes.created.append(f"default scope {client_id}/{name}")


def ensure_portal_redirect_uris(admin: KeycloakAdmin, redirect_uris: list[str], web_origins: list[str]) -> bool:
    """Add a town's portal URIs to the portal client; True if something was added."""
    internal_id = admin.get_client_id(PORTAL_CLIENT)
    if internal_id is None:
        raise RuntimeError(f"client {PORTAL_CLIENT!r} missing: run bootstrap_realm first")
    client = admin.get_client(internal_id)
    uris = sorted(set(client.get("redirectUris", [])) | set(redirect_uris))
    origins = sorted(set(client.get("webOrigins", [])) | set(web_origins))
    if uris == sorted(client.get("redirectUris", [])) and origins == sorted(client.get("webOrigins", [])):
        return False
    admin.update_client(internal_id, {"clientId": PORTAL_CLIENT, "redirectUris": uris, "webOrigins": origins})
    return True


def remove_portal_redirect_uris(admin: KeycloakAdmin, redirect_uris: list[str], web_origins: list[str]) -> bool:
    """Take a town's portal URIs off the portal client again; True if something was removed."""
    internal_id = admin.get_client_id(PORTAL_CLIENT)
    if internal_id is None:
        return False
    client = admin.get_client(internal_id)
    uris = sorted(set(client.get("redirectUris", [])) - set(redirect_uris))
    origins = sorted(set(client.get("webOrigins", [])) - set(web_origins))
    if uris == sorted(client.get("redirectUris", [])) and origins == sorted(client.get("webOrigins", [])):
        return False
    admin.update_client(internal_id, {"clientId": PORTAL_CLIENT, "redirectUris": uris, "webOrigins": origins})
    return True


def find_organization(admin: KeycloakAdmin, alias: str) -> dict | None:
    # The organizations API searches by name and domain only, not by alias, and pages
    # its results (10 by default): ask for all of them.
    for organization in admin.get_organizations({"briefRepresentation": "true", "first": 0, "max": 100_000}):
        if organization.get("alias") == alias:
            return organization
    return None


def ensure_organization(admin: KeycloakAdmin, alias: str, name: str, domain: str | None = None,
                        redirect_url: str | None = None) -> str:
    """The id of the town's organization, created or updated to match.

    ``redirect_url`` is where Keycloak sends a person who accepted an invitation (the town portal's
    landing route). Keycloak carries it in the invitation token and applies it after registration; the
    ``account`` client the link is issued for must keep its single redirect URI, because the registration
    link names no ``redirect_uri`` and Keycloak falls back to that one (with two it refuses the link:
    "Ungültiger Parameter: redirect_uri").
    """
    desired: dict[str, Any] = {"name": name, "alias": alias, "enabled": True}
    if domain:
        desired["domains"] = [{"name": domain, "verified": False}]
    if redirect_url:
        desired["redirectUrl"] = redirect_url
    ensure_town_groups(admin, alias)
    current = find_organization(admin, alias)
    if current is None:
        organization_id = admin.create_organization(desired)
        if organization_id is None:  # no Location header; look it up
            organization_id = (find_organization(admin, alias) or {})["id"]
        return organization_id
    full = admin.get_organization(current["id"])
    domains_now = sorted(d["name"] for d in full.get("domains", []))
    domains_wanted = sorted(d["name"] for d in desired.get("domains", []))
    if (full.get("name") != name or not full.get("enabled") or (domain and domains_now != domains_wanted)
            or (redirect_url and full.get("redirectUrl") != redirect_url)):
        admin.update_organization(current["id"], {**full, **desired})
    return current["id"]


def delete_organization(admin: KeycloakAdmin, alias: str) -> bool:
    """Delete the town's organization and its role groups (its members stay as users); False if there was none."""
    group = _group_by_path(admin, f"/{TOWN_GROUPS}/{alias}")
    if group is not None:
        admin.delete_group(group["id"])
    organization = find_organization(admin, alias)
    if organization is None:
        return False
    admin.delete_organization(organization["id"])
    return True


def town_role_path(alias: str, role: str) -> str:
    return f"/{TOWN_GROUPS}/{alias}/{role}"


def town_roles_in(groups: list[str] | None) -> dict[str, set[str]]:
    """``{town alias: {roles}}`` from a token's ``groups`` claim (paths ``/towns/<alias>/<role>``)."""
    found: dict[str, set[str]] = {}
    for path in groups or []:
        parts = str(path).strip("/").split("/")
        if len(parts) == 3 and parts[0] == TOWN_GROUPS and parts[2] in TOWN_ROLES:
            found.setdefault(parts[1], set()).add(parts[2])
    return found


def _group_by_path(admin: KeycloakAdmin, path: str) -> dict | None:
    try:
        return admin.get_group_by_path(path)
    except KeycloakGetError as error:
        if error.response_code == 404:
            return None
        raise


def _ensure_group(admin: KeycloakAdmin, path: str) -> str:
    group = _group_by_path(admin, path)
    if group is not None:
        return group["id"]
    parent_path, name = path.rsplit("/", 1)
    parent = _ensure_group(admin, parent_path) if parent_path else None
    admin.create_group({"name": name}, parent=parent, skip_exists=True)
    return _group_by_path(admin, path)["id"]


def ensure_town_groups(admin: KeycloakAdmin, alias: str) -> dict[str, str]:
    """The town's role groups (``/towns/<alias>/<role>``), created where missing; ``{role: group id}``."""
    return {role: _ensure_group(admin, town_role_path(alias, role)) for role in TOWN_ROLES}


def user_town_roles(admin: KeycloakAdmin, user_id: str, alias: str) -> set[str]:
    return town_roles_in([g.get("path", "") for g in admin.get_user_groups(user_id, brief_representation=True)]
                         ).get(alias, set())


def add_user_town_role(admin: KeycloakAdmin, user_id: str, alias: str, role: str) -> None:
    """Give the person ``role`` in the town ``alias`` besides the roles they have there."""
    if role not in TOWN_ROLES:
        raise ValueError(f"not a town role: {role}")
    admin.group_user_add(user_id, _ensure_group(admin, town_role_path(alias, role)))


def set_user_town_roles(admin: KeycloakAdmin, user_id: str, alias: str, roles: set[str]) -> None:
    """Exactly ``roles`` in the town ``alias``; the person's roles in other towns stay as they are."""
    unknown = set(roles) - set(TOWN_ROLES)
    if unknown:
        raise ValueError(f"not town roles: {', '.join(sorted(unknown))}")
    groups = ensure_town_groups(admin, alias)
    current = user_town_roles(admin, user_id, alias)
    for role in sorted(current - set(roles)):
        admin.group_user_remove(user_id, groups[role])
    for role in sorted(set(roles) - current):
        admin.group_user_add(user_id, groups[role])


def ensure_user(
    admin: KeycloakAdmin,
    username: str,
    email: str,
    password: str,
    roles: list[str],
    organization_alias: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
) -> str:
    """Create or update a user with exactly ``roles`` among the platform roles; returns the user id.

    County-wide roles become realm roles; town roles are held in ``organization_alias``'s
    town (its role groups) and need it. First and last name are filled in because Keycloak's default user profile
    requires them and would otherwise stop the user at login to ask.
    """
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    desired = {
        "username": username,
        "email": email,
        "emailVerified": True,
        "enabled": True,
        "firstName": first_name or username,
        "lastName": last_name or "KI-Verbund",
    }
    user_id = admin.get_user_id(username)
    if user_id is None:
        user_id = admin.create_user(desired)
    elif _differs(admin.get_user(user_id), desired):
        admin.update_user(user_id, desired)
    admin.set_user_password(user_id, password, temporary=False)

    # County-wide roles are realm roles; town roles are groups of the town (see the module docstring).
    current_roles = {role["name"] for role in admin.get_realm_roles_of_user(user_id)} & set(ROLES)
    wanted = set(roles) & set(COUNTY_ROLES)
    if wanted - current_roles:
        admin.assign_realm_roles(user_id, [admin.get_realm_role(name) for name in sorted(wanted - current_roles)])
    if current_roles - wanted:
        admin.delete_realm_roles_of_user(
            user_id, [admin.get_realm_role(name) for name in sorted(current_roles - wanted)])

    if organization_alias is not None:
        organization = find_organization(admin, organization_alias)
        if organization is None:
            raise ValueError(f"no organization with alias {organization_alias!r}")
        member_of = {org["id"] for org in admin.get_user_organizations(user_id)}
        if organization["id"] not in member_of:
            admin.organization_user_add(user_id, organization["id"])
        set_user_town_roles(admin, user_id, organization_alias, set(roles) & set(TOWN_ROLES))
    return user_id


def create_town_service_account(admin: KeycloakAdmin, client_id: str, town_alias: str) -> tuple[str, str]:
    """A confidential client for a town's API access; returns ``(client_id, secret)``.

    Its tokens (client-credentials grant) carry ``town: <alias>`` and
    ``aud: kiverbund-api``.
    """
    desired = {
        "clientId": client_id,
        "name": f"API access of {town_alias}",
        "enabled": True,
        "protocol": "openid-connect",
        "publicClient": False,
        "clientAuthenticatorType": "client-secret",
        "serviceAccountsEnabled": True,
        "standardFlowEnabled": False,
        "implicitFlowEnabled": False,
        "directAccessGrantsEnabled": False,
        "attributes": {"kiverbund.town": town_alias},
    }
    changes = Changes()
    internal_id = _ensure_client(admin, desired, changes)
    town_mapper = {
        "name": "town",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-hardcoded-claim-mapper",
        "config": {
            "claim.name": "town",
            "claim.value": town_alias,
            "jsonType.label": "String",
            "access.token.claim": "true",
            "id.token.claim": "false",
            "userinfo.token.claim": "false",
            "introspection.token.claim": "true",
        },
    }
    _ensure_mappers(
        admin.get_mappers_from_client(internal_id), [town_mapper], client_id, changes,
        add=lambda mapper: admin.add_mapper_to_client(internal_id, mapper),
        update=lambda mapper_id, mapper: admin.update_client_mapper(internal_id, mapper_id, mapper),
    )
    scope = admin.get_client_scope_by_name(API_SCOPE)
    if scope is None:
        raise RuntimeError(f"client scope {API_SCOPE!r} missing: run bootstrap_realm first")
    _ensure_default_scopes(admin, client_id, internal_id, {API_SCOPE: scope["id"]}, changes)
    return client_id, admin.get_client_secrets(internal_id)["value"]


def invite_to_organization(
    server_url: str,
    token: str,
    realm: str,
    organization_id: str,
    email: str,
    first_name: str = "",
    last_name: str = "",
    timeout: float = 30,
) -> None:
    """Have Keycloak e-mail an invitation to join the town's organization.

    python-keycloak has no wrapper for this endpoint. The realm needs SMTP
    settings (``bootstrap_realm(smtp=...)``); Keycloak answers 500 without them.
    """
    response = requests.post(
        f"{server_url.rstrip('/')}/admin/realms/{realm}/organizations/{organization_id}/members/invite-user",
        # Blank names would make Keycloak greet "Guten Tag  ,": only names it can use.
        data={"email": email, **({"firstName": first_name, "lastName": last_name} if first_name and last_name
                                 else {})},
        headers={"Authorization": f"Bearer {token}"},
        timeout=timeout,
    )
    if response.status_code != 204:
        raise requests.HTTPError(f"invitation of {email} failed: HTTP {response.status_code} {response.text[:500]}",
                                 response=response)
