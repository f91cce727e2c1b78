"""Entitlement: a service answers only for towns with an active subscription to it.

The platform applies it where it mounts a service's URLs (``catalog.mounting``), so a service's
views never ask themselves; ``service_task("key")`` guards a service's town tasks. Refused
requests get a 403 that says how to subscribe.
"""

from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Subscription, SubscriptionStatus
from core import caching


class ServiceNotSubscribed(PermissionDenied):
    pass


# Every request to a service asks; the answer is kept this long per town and day, and dropped
# whenever one of the town's subscriptions is saved (``forget_entitlements``, connected in apps).
CACHE_SECONDS = 60


def _cache_key(town_pk) -> str:
    return f"entitlements:{town_pk}"


def has_active_subscription(town, service_key: str) -> bool:
    if town is None:
        return False
    today = timezone.localdate().isoformat()
    known = caching.shared().get(_cache_key(town.pk))
    if not known or known.get("day") != today:
        known = {"day": today}
    elif service_key in known:
        return known[service_key]
    # The end date counts even before the periodic task has marked the subscription ended.
    known[service_key] = Subscription.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=today),
        town=town, offering__service__key=service_key, status=SubscriptionStatus.ACTIVE,
    ).exists()
    caching.shared().set(_cache_key(town.pk), known, CACHE_SECONDS)
    return known[service_key]


def forget_entitlements(sender, instance, **kwargs) -> None:
    """A subscription changed: drop its town's cached answers."""
    caching.forget(_cache_key(instance.town_id))


def may_use(user, town, service_key: str) -> bool:
    """The roles a service declares (``ServiceDescriptor.permissions``); none declared: every member."""
    from catalog.registry import get_service
    from tenants.access import has_town_role

    meta = get_service(service_key)
    if meta is None or not meta.permissions:
        return True
    return has_town_role(user, town, *meta.permissions)


def refusal(request, service_key: str) -> str | None:
    """Why this request may not use the service, or None."""
    town = getattr(request, "tenant", None)
    if not has_active_subscription(town, service_key):
        return not_subscribed_message(service_key)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and not may_use(user, town, service_key):
        return _("Your role in this town does not include the service “%(service)s”. "
                 "Please ask your town administrator.") % {"service": _service_name(service_key)}
    return None


def _service_name(service_key: str) -> str:
    from catalog.registry import get_service

    meta = get_service(service_key)
    return str(meta.name) if meta else service_key


def not_subscribed_message(service_key: str) -> str:
    return _("Your town has no active subscription to the service “%(service)s”. A town administrator can "
             "subscribe in the service catalogue (%(path)s) after completing the compliance "
             "checklist.") % {"service": _service_name(service_key), "path": f"/catalogue/{service_key}/"}


def service_task(service_key: str):
    """For task bodies that run in a town's schema (``TownTask``): refuse towns without a subscription.

    The periodic fan-out already sends a service's tasks to subscribed towns only; this also stops a
    task queued before the subscription ended.
    """

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            from tenants.models import Town

            # schema_context() and tenant-schemas-celery may set a stand-in tenant: look the town up by schema.
            town = Town.objects.filter(schema_name=connection.schema_name).first()
            if not has_active_subscription(town, service_key):
                raise ServiceNotSubscribed(not_subscribed_message(service_key))
            return func(*args, **kwargs)

        return wrapper

    return decorate
