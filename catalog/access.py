"""Access functions: one 404 for missing and foreign alike; role checks for town-host pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from catalog.models import Offering, RegisterEntry, Service, Subscription
from tenants.access import has_town_role
from tenants.models import Role

MANAGE_ROLES = (Role.TOWN_ADMIN,)
CHECKLIST_ROLES = (Role.TOWN_ADMIN, Role.DPO)
REGISTER_ROLES = (Role.TOWN_ADMIN, Role.DPO)


def require_town_role(request, *roles) -> None:
    if not has_town_role(request.user, request.tenant, *roles):
        raise PermissionDenied(_("This needs one of these roles in your town: %(roles)s")
                               % {"roles": ", ".join(str(Role(r).label) for r in roles)})


def access_service(key: str) -> Service:
    try:
        return Service.objects.get(key=key, registered=True)
    except Service.DoesNotExist:
        raise Http404("No such service") from None


def access_offering(offering_id) -> Offering:
    try:
        return Offering.objects.select_related("service").get(pk=offering_id, available=True, service__registered=True)
    except (Offering.DoesNotExist, ValueError, TypeError):
        raise Http404("No such offering") from None


def access_subscription(town, subscription_id) -> Subscription:
    try:
        return Subscription.objects.select_related("offering__service", "town").get(pk=subscription_id, town=town)
    except (Subscription.DoesNotExist, ValueError, TypeError):
        raise Http404("No such subscription") from None


def access_register_entry(town, entry_id) -> RegisterEntry:
    try:
        return RegisterEntry.objects.select_related("subscription__offering__service").get(pk=entry_id, town=town)
    except (RegisterEntry.DoesNotExist, ValueError, TypeError):
        raise Http404("No such entry") from None
