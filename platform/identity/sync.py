"""People's accounts and town memberships, kept in step with what Keycloak says in their tokens."""

from __future__ import annotations

import datetime as dt
import functools
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.audit.log import log_action
from identity.bootstrap import town_roles_in
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
    staff. An open invitation to that town adds the role it was sent with if it
    belongs to this Keycloak account (``invitation_belongs_to``). County-wide
    roles come from the realm ``roles``.
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
        for invitation in open_invitations(town, claims):
            if not invitation_belongs_to(invitation, claims):
                continue
            town_roles.add(invitation.role)
            invitation.accepted_at, invitation.accepted_by = timezone.now(), user
            invitation.keycloak_user_id = claims["sub"]
            invitation.save(update_fields=["accepted_at", "accepted_by", "keycloak_user_id"])
            log_action("tenants.member.invitation_accepted", actor=user, town=town, email=invitation.email,
                       role=invitation.role, keycloak_user_id=claims["sub"])
            if invitation.role not in roles_by_town.get(town.slug, set()):
                # Keycloak learns the invited role too, or the next login would bring only its own.
                transaction.on_commit(functools.partial(_grant, town, claims["sub"], invitation.role))
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


def open_invitations(town: Town, claims: dict):
    """The town's invitations that may concern this account: bound to it, or unbound to its address."""
    sub = claims.get("sub") or ""
    email = claims.get("email") or ""
    if not sub:
        return Invitation.objects.none()
    bound = Q(keycloak_user_id=sub)
    unbound = Q(keycloak_user_id="", email__iexact=email) if email else Q(pk__in=[])
    return Invitation.objects.filter(bound | unbound, town=town, accepted_at__isnull=True,
                                     created_at__gte=timezone.now() - invitation_validity())


def invitation_validity() -> dt.timedelta:
    return dt.timedelta(days=settings.KEYCLOAK_INVITATION_DAYS)


def invitation_belongs_to(invitation: Invitation, claims: dict) -> bool:
    """Whether the signed-in Keycloak account is the person ``invitation`` was sent to.

    Never the e-mail claim alone: a person who sets someone else's address on their
    account must not collect that person's invitation. An invitation of an existing
    account names that account; an invitation of a new address is collected by the
    account that registered through its link, i.e. with that address and created after the invitation went
    out. The address is proven either by Keycloak (verified) or by the link itself: an account that Keycloak
    made a managed member of the town's organization registered through the invitation mailed to it
    (``provisioning.confirm_invited_address``, which then marks the address verified in Keycloak).
    """
    verified = claims.get("email_verified") is True
    if invitation.keycloak_user_id:
        return verified and invitation.keycloak_user_id == claims.get("sub")
    if (claims.get("email") or "").lower() != invitation.email.lower():
        return False
    from identity.provisioning import KeycloakUnavailable, account_created_at, confirm_invited_address

    try:
        created = account_created_at(claims["sub"])
        # No allowance for clock skew: registering through the mailed link takes far longer than any skew.
        if created is None or created <= invitation.created_at:
            return False
        return verified or confirm_invited_address(invitation.town, claims["sub"], invitation.email)
    except KeycloakUnavailable:
        logger.warning("could not ask Keycloak about %s; invitation %s stays open", claims["sub"], invitation.pk)
        return False


def _grant(town: Town, user_id: str, role: str) -> None:
    from identity.provisioning import KeycloakUnavailable, grant_invited_role

    try:
        grant_invited_role(town, user_id, role)
    except KeycloakUnavailable:
        # The login itself stands; the town admin can set the role on the members page.
        logger.warning("could not write the invited role %s of %s to Keycloak", role, user_id)
