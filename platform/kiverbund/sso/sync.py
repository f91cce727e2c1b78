"""People's accounts and town memberships, kept in step with what Keycloak says in their tokens."""

from __future__ import annotations

import functools
import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from kiverbund.sso.bootstrap import town_roles_in
from tenants.access import COUNTY_FINANCE_GROUP
from tenants.models import Invitation, Membership, Role, Town, TownStatus

logger = logging.getLogger(__name__)


def organizations_in(claims: dict) -> set[str]:
    """Town aliases from the ``organization`` claim (a list, or a map when attributes are included)."""
    value = claims.get("organization") or []
    if isinstance(value, dict):
        return set(value)
    if isinstance(value, str):
        return {value}
    return set(value)


@transaction.atomic
def sync_user_from_claims(claims: dict):
    """Create or update the Django user for a Keycloak person and replace their memberships.

    A member of a town's organization gets their roles in that town (the
    ``groups`` claim: ``/towns/<alias>/<role>``); without any, they are town
    staff. An open invitation of their e-mail address for that town adds the
    role it was sent with. County-wide roles come from the realm ``roles``.
    """
    User = get_user_model()
    username = claims["preferred_username"]
    user, created = User.objects.get_or_create(username=username)
    if not created and user.is_superuser:
        # A break-glass account is local by design; a Keycloak person who picked the same user
        # name must not sign in as it (Django's authenticate() turns this into a failed login).
        logger.warning("refused single sign-on as break-glass account %s", username)
        raise PermissionDenied("break-glass accounts cannot sign in through Keycloak")
    if created:
        user.set_unusable_password()  # people sign in through Keycloak only
    user.email = claims.get("email", "") or ""
    user.first_name = (claims.get("given_name") or "")[:150]
    user.last_name = (claims.get("family_name") or "")[:150]
    roles = set(claims.get("roles") or [])
    user.is_staff = Role.PLATFORM_ADMIN.value in roles
    user.is_active = True
    user.save()

    county_finance, _ = Group.objects.get_or_create(name=COUNTY_FINANCE_GROUP)
    if "county_finance" in roles:
        user.groups.add(county_finance)
    else:
        user.groups.remove(county_finance)

    towns = Town.objects.filter(slug__in=organizations_in(claims)).exclude(status=TownStatus.OFFBOARDED)
    roles_by_town = town_roles_in(claims.get("groups"))
    desired: set[tuple[int, str]] = set()
    for town in towns:
        town_roles = set(roles_by_town.get(town.slug, set()))
        invitations = Invitation.objects.filter(town=town, email__iexact=user.email, accepted_at__isnull=True)
        for invitation in invitations:
            town_roles.add(invitation.role)
            if claims.get("sub") and invitation.role not in roles_by_town.get(town.slug, set()):
                # Keycloak learns the invited role too, or the next login would bring only its own.
                transaction.on_commit(functools.partial(_grant, town, claims["sub"], invitation.role))
        invitations.update(accepted_at=timezone.now(), accepted_by=user)
        for role in town_roles or {Role.TOWN_STAFF.value}:
            desired.add((town.pk, role))
    current = {(m.town_id, m.role): m for m in Membership.objects.filter(user=user)}
    for key, membership in current.items():
        if key not in desired:
            membership.delete()
    Membership.objects.bulk_create(
        [Membership(user=user, town_id=town_id, role=role) for town_id, role in desired - set(current)]
    )
    if hasattr(user, "_town_roles_cache"):
        del user._town_roles_cache
    return user


def _grant(town: Town, user_id: str, role: str) -> None:
    from kiverbund.sso.provisioning import KeycloakUnavailable, grant_invited_role

    try:
        grant_invited_role(town, user_id, role)
    except KeycloakUnavailable:
        # The login itself stands; the town admin can set the role on the members page.
        logger.warning("could not write the invited role %s of %s to Keycloak", role, user_id)
