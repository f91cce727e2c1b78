"""Who may see what: the one place that answers access questions about towns."""

from __future__ import annotations

from django.contrib.auth.decorators import user_passes_test
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from tenants.models import Membership, Role, Town

COUNTY_FINANCE_GROUP = "county_finance"


def is_platform_admin(user) -> bool:
    """County IT: a break-glass superuser, or a person with the ``platform_admin`` role from Keycloak."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.is_staff))


def service_town(user) -> str | None:
    """The town slug a service account is bound to, or None for people."""
    from core.principals import ServicePrincipal

    return user.town if isinstance(user, ServicePrincipal) else None


def town_roles(user, town: Town) -> set[str]:
    if not user.is_authenticated or town is None:
        return set()
    bound = service_town(user)
    if bound is not None:
        # A machine acts for its one town with staff rights, and for no other.
        return {Role.TOWN_STAFF.value} if bound == town.slug else set()
    cache = getattr(user, "_town_roles_cache", None)
    if cache is None:
        cache = user._town_roles_cache = {}
    if town.pk not in cache:
        cache[town.pk] = set(Membership.objects.filter(user=user, town=town).values_list("role", flat=True))
    return cache[town.pk]


def can_access_town(user, town: Town) -> bool:
    return is_platform_admin(user) or bool(town_roles(user, town))


def has_town_role(user, town: Town, *roles: Role | str) -> bool:
    return is_platform_admin(user) or bool(town_roles(user, town) & {str(r) for r in roles})


def access_town_by_ags(user, ags: str) -> Town:
    """The town with ``ags`` if ``user`` may operate it; one 404 for missing and forbidden alike."""
    if not is_platform_admin(user):
        raise Http404("No such town")
    try:
        return Town.objects.get(ags=ags)
    except Town.DoesNotExist:
        raise Http404("No such town") from None


def is_county_finance(user) -> bool:
    # Service accounts (ServicePrincipal) have no groups: a machine is never county finance.
    groups = getattr(user, "groups", None)
    return bool(user.is_authenticated and groups is not None and groups.filter(name=COUNTY_FINANCE_GROUP).exists())


def can_manage_billing(user) -> bool:
    """County IT and county finance enter costs, choose keys and run periods; they see every town."""
    return is_platform_admin(user) or is_county_finance(user)


def _operator_check(user) -> bool:
    if user.is_authenticated and not is_platform_admin(user):
        raise PermissionDenied(_("The operator console is for the county's IT administrators."))
    return is_platform_admin(user)


# For the operator console's views (portal, catalogue, billing): county IT only.
operator_required = user_passes_test(_operator_check, login_url="portal:login")
