"""Entitlement: a service answers only for towns with an active subscription to it.

``require_service("key")`` decorates Django views (functions or classes) and
DRF views; ``require_service("key").permission`` is the DRF permission class and
``require_service("key").task`` guards Celery tasks. Everything else gets a 403
that says how to subscribe.
"""

from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import permissions
from rest_framework.views import APIView

from catalog.models import Subscription, SubscriptionStatus
from kiverbund import caching


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
                 "Please ask your town administrator.") % {"service": service_key}
    return None


def not_subscribed_message(service_key: str) -> str:
    return _("Your town has no active subscription to the service “%(service)s”. A town administrator can "
             "subscribe in the service catalogue (/catalogue/%(service)s/) after completing the compliance "
             "checklist.") % {"service": service_key}


class ServiceRequirement:
    def __init__(self, service_key: str):
        self.key = service_key
        requirement = self

        class _Permission(permissions.BasePermission):
            def has_permission(self, request, view):
                message = refusal(request, requirement.key)
                if message is None:
                    return True
                self.message = message
                return False

        _Permission.__name__ = f"RequireService_{service_key}"
        self.permission = _Permission

    def __call__(self, view):
        if isinstance(view, type) and issubclass(view, APIView):
            view.permission_classes = [*view.permission_classes, self.permission]
            return view
        if isinstance(view, type):
            view.dispatch = self._wrap_view(view.dispatch, bound=True)
            return view
        return self._wrap_view(view)

    def _wrap_view(self, func, bound: bool = False):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            request = args[1] if bound else args[0]
            message = refusal(request, self.key)
            if message is not None:
                return TemplateResponse(request, "catalog/not_subscribed.html",
                                        {"message": message, "service_key": self.key}, status=403)
            return func(*args, **kwargs)

        return wrapper

    def task(self, func):
        """For task bodies that run in a town's schema (``TownTask``): refuse towns without a subscription."""

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            from tenants.models import Town

            # schema_context() and tenant-schemas-celery may set a stand-in tenant: look the town up by schema.
            town = Town.objects.filter(schema_name=connection.schema_name).first()
            if not has_active_subscription(town, self.key):
                raise ServiceNotSubscribed(not_subscribed_message(self.key))
            return func(*args, **kwargs)

        return wrapper


def require_service(service_key: str) -> ServiceRequirement:
    return ServiceRequirement(service_key)


class ServiceRequiredMixin:
    """For class-based views: ``required_service = "chatbot"``."""

    required_service: str = ""

    def dispatch(self, request, *args, **kwargs):
        message = refusal(request, self.required_service)
        if message is not None:
            return TemplateResponse(request, "catalog/not_subscribed.html",
                                    {"message": message, "service_key": self.required_service}, status=403)
        return super().dispatch(request, *args, **kwargs)
