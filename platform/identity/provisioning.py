"""Towns in Keycloak: one Organization per town, its portal address, invitations, members.

Every call here talks to the real Keycloak admin API. Failures become
``KeycloakUnavailable`` with a message for people, so that the caller can roll
back its own transaction and the operator can simply try again (all steps are
idempotent).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import TypeVar

import requests
from django.conf import settings
from keycloak.exceptions import KeycloakError, KeycloakGetError

from core.errors import AlreadyInvited, AlreadyMember, IdentityUnavailable, UnverifiedAddress
from identity import bootstrap
from identity.urls_paths import WELCOME_PATH
from tenants.models import Town

T = TypeVar("T")


class KeycloakUnavailable(IdentityUnavailable):
    """Keycloak could not carry out a request; nothing on our side was changed."""


def admin():
    return bootstrap.admin_client(settings.KEYCLOAK_URL, settings.KEYCLOAK_ADMIN_USER, settings.KEYCLOAK_ADMIN_PASSWORD,
                                  realm=settings.KEYCLOAK_REALM)


def _guarded(action: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    def decorate(func: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(func)
        def wrapper(*args, **kwargs) -> T:
            try:
                return func(*args, **kwargs)
            except (KeycloakError, requests.RequestException, OSError) as exc:
                raise KeycloakUnavailable(
                    f"Keycloak ist nicht erreichbar oder lehnte ab ({action}: {type(exc).__name__}); es wurde nichts "
                    f"geändert, bitte versuchen Sie es erneut. / Keycloak failed ({action}); nothing was changed, "
                    f"please try again."
                ) from exc
        return wrapper
    return decorate


@_guarded("create organization")
def provision_town(town: Town) -> str | None:
    """Create (or update) the town's Organization and allow logins at its address; returns its id."""
    if not settings.KEYCLOAK_PROVISIONING:
        return None
    client = admin()
    base = town.url.rstrip("/")
    welcome = f"{base}{WELCOME_PATH}"
    # Accepted invitations land at the town's portal, which signs the person in (identity.views.welcome).
    organization_id = bootstrap.ensure_organization(client, alias=town.slug, name=town.name, domain=town.host,
                                                    redirect_url=welcome)
    bootstrap.ensure_portal_redirect_uris(client, [f"{base}/*"], [base])
    return organization_id


@_guarded("delete organization")
def deprovision_town(town: Town) -> bool:
    """Delete the town's Organization and role groups, and stop allowing logins at its address."""
    if not settings.KEYCLOAK_PROVISIONING:
        return False
    client = admin()
    base = town.url.rstrip("/")
    bootstrap.remove_portal_redirect_uris(client, [f"{base}/*"], [base])
    return bootstrap.delete_organization(client, town.slug)


def _organization_id(client, town: Town) -> str:
    organization = bootstrap.find_organization(client, town.slug)
    if organization is None:
        raise KeycloakUnavailable(f"{town.name} hat keine Organisation in Keycloak. / No Keycloak organization.")
    return organization["id"]


@_guarded("invite")
def invite(town: Town, email: str, *, first_name: str = "", last_name: str = "") -> str:
    """Keycloak e-mails ``email`` an invitation to the town's organization.

    Returns the Keycloak id of the account invited when the address has one (the
    invitation is bound to it), else ``""`` (it is bound to the account that
    registers through the link). Raises ``AlreadyMember`` for a member of the town.
    """
    client = admin()
    organization_id = _organization_id(client, town)
    existing = client.get_users({"email": email, "exact": "true"})
    if existing:
        user_id = existing[0]["id"]
        if organization_id in {org["id"] for org in client.get_user_organizations(user_id)}:
            raise AlreadyMember(email)
        if not existing[0].get("emailVerified"):
            # Anyone may type any address into their account; the invitation would be bound to them.
            raise UnverifiedAddress(email)
        response = requests.post(
            f"{settings.KEYCLOAK_URL}/admin/realms/{settings.KEYCLOAK_REALM}/organizations/{organization_id}"
            f"/members/invite-existing-user",
            data={"id": user_id}, headers={"Authorization": f"Bearer {client.connection.token['access_token']}"},
            timeout=30,
        )
        if response.status_code != 204:
            raise requests.RequestException(f"HTTP {response.status_code}")
        return user_id
    try:
        bootstrap.invite_to_organization(settings.KEYCLOAK_URL, client.connection.token["access_token"],
                                         settings.KEYCLOAK_REALM, organization_id, email, first_name, last_name)
    except requests.HTTPError as error:
        # Keycloak keeps its own open invitations (e.g. one the platform no longer lists): say so, not "failed".
        if error.response is not None and error.response.status_code == 409:
            raise AlreadyInvited(email) from error
        raise
    return ""


def _keycloak_invitations(client, organization_id: str, email: str) -> list[dict]:
    url = (f"{settings.KEYCLOAK_URL}/admin/realms/{settings.KEYCLOAK_REALM}/organizations/{organization_id}"
           f"/invitations")
    response = requests.get(url, params={"email": email}, timeout=30,
                            headers={"Authorization": f"Bearer {client.connection.token['access_token']}"})
    response.raise_for_status()
    return [item for item in response.json() if (item.get("email") or "").lower() == email.lower()]


@_guarded("withdraw invitation")
def withdraw_invitation(town: Town, email: str) -> int:
    """Delete Keycloak's open invitations of ``email`` to the town, so their links stop working; how many."""
    if not settings.KEYCLOAK_PROVISIONING:
        return 0
    client = admin()
    organization_id = _organization_id(client, town)
    headers = {"Authorization": f"Bearer {client.connection.token['access_token']}"}
    found = _keycloak_invitations(client, organization_id, email)
    for item in found:
        response = requests.delete(
            f"{settings.KEYCLOAK_URL}/admin/realms/{settings.KEYCLOAK_REALM}/organizations/{organization_id}"
            f"/invitations/{item['id']}", headers=headers, timeout=30)
        if response.status_code not in (204, 404):
            response.raise_for_status()
    return len(found)


@_guarded("resend invitation")
def resend_invitation(town: Town, email: str) -> bool:
    """Send the invitation mail again with a fresh validity; True if an account with the address exists now.

    The invitation is not bound here: only when it was sent (``invite``) or collected (``identity.sync``).
    """
    client = admin()
    organization_id = _organization_id(client, town)
    found = _keycloak_invitations(client, organization_id, email)
    if not found:
        invite(town, email)
    else:
        response = requests.post(
            f"{settings.KEYCLOAK_URL}/admin/realms/{settings.KEYCLOAK_REALM}/organizations/{organization_id}"
            f"/invitations/{found[0]['id']}/resend",
            headers={"Authorization": f"Bearer {client.connection.token['access_token']}"}, timeout=30)
        response.raise_for_status()
    return bool(client.get_users({"email": email, "exact": "true"}))


@_guarded("look up account")
def account_created_at(user_id: str) -> dt.datetime | None:
    """When the Keycloak account was created; None if there is no such account."""
    try:
        account = admin().get_user(user_id)
    except KeycloakGetError as error:
        if error.response_code == 404:
            return None
        raise
    return dt.datetime.fromtimestamp(account["createdTimestamp"] / 1000, tz=dt.UTC)


@_guarded("confirm invited address")
def confirm_invited_address(town: Town, user_id: str, email: str) -> bool:
    """Whether ``user_id`` registered through the town's invitation link for ``email``; if so, its address counts
    as verified in Keycloak from now on.

    The link went to that address, so following it proves the address: Keycloak asks for no second
    confirmation (the realm's ``verifyEmail`` is off) and the platform records the proof instead. Keycloak makes
    an account a *managed* member of an organization only through the organization's invitation registration
    (or its identity provider, which towns do not have); members an administrator adds are unmanaged.
    """
    client = admin()
    organization_id = _organization_id(client, town)
    response = requests.get(
        f"{settings.KEYCLOAK_URL}/admin/realms/{settings.KEYCLOAK_REALM}/organizations/{organization_id}"
        f"/members/{user_id}",
        headers={"Authorization": f"Bearer {client.connection.token['access_token']}"}, timeout=30)
    if response.status_code == 404:
        return False
    response.raise_for_status()
    member = response.json()
    if member.get("membershipType") != "MANAGED" or (member.get("email") or "").lower() != email.lower():
        return False
    account = client.get_user(user_id)
    if not account.get("emailVerified"):
        client.update_user(user_id, {
            **{key: account[key] for key in ("username", "email", "firstName", "lastName", "enabled") if key in account},
            "emailVerified": True,
            "requiredActions": [a for a in account.get("requiredActions", []) if a != "VERIFY_EMAIL"]})
    return True


@_guarded("list members")
def members(town: Town) -> list[dict]:
    """The organization's members with their town roles, sorted by user name."""
    client = admin()
    organization_id = _organization_id(client, town)
    people = []
    for member in client.get_organization_members(organization_id, {"briefRepresentation": "false"}):
        people.append({
            "id": member["id"], "username": member.get("username", ""), "email": member.get("email", ""),
            "name": " ".join(filter(None, [member.get("firstName"), member.get("lastName")])),
            "roles": sorted(bootstrap.user_town_roles(client, member["id"], town.slug)),
        })
    return sorted(people, key=lambda person: person["username"])


@_guarded("change role")
def set_role(town: Town, user_id: str, role: str) -> str:
    """Give a member exactly one role in this town (their roles in other towns stay as they are).

    Returns the member's user name as Keycloak knows it.
    """
    if role not in bootstrap.TOWN_ROLES:
        raise ValueError(role)
    client = admin()
    _organization, member = _require_member(client, town, user_id)
    bootstrap.set_user_town_roles(client, user_id, town.slug, {role})
    return member.get("username", "")


@_guarded("accept invitation")
def grant_invited_role(town: Town, user_id: str, role: str) -> None:
    """Write the role an invitation was sent with to Keycloak, so that later logins bring it along."""
    if role not in bootstrap.TOWN_ROLES or not settings.KEYCLOAK_PROVISIONING:
        return
    client = admin()
    _require_member(client, town, user_id)
    bootstrap.add_user_town_role(client, user_id, town.slug, role)


class SelfRemoval(Exception):
    """A town admin may not remove themselves (the town could be left without one)."""


@_guarded("remove member")
def remove_member(town: Town, user_id: str, *, keep_username: str = "") -> str:
    """Remove a member from the town's organization; returns their user name as Keycloak knows it.

    Refuses (``SelfRemoval``) when that name is ``keep_username``, the admin's own.
    """
    client = admin()
    organization_id, member = _require_member(client, town, user_id)
    username = member.get("username", "")
    if keep_username and username == keep_username:
        raise SelfRemoval(username)
    client.organization_user_remove(user_id, organization_id)
    return username


def _require_member(client, town: Town, user_id: str) -> tuple[str, dict]:
    organization_id = _organization_id(client, town)
    member = next((m for m in client.get_organization_members(organization_id) if m["id"] == user_id), None)
    if member is None:
        raise KeycloakUnavailable("Diese Person gehört nicht zu Ihrer Gemeinde. / Not a member of this town.")
    return organization_id, member
