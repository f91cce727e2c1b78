"""Mounting services: each service's URL modules under its key, behind the entitlement gate.

Like pretix's ``plugin_event_urls``, every view a service declares is wrapped once, at the mount
point, so no route can forget the check: a town without an active subscription (or a member whose
role the service does not admit) gets a 403 that says how to subscribe. Pages answer with the
``catalog/not_subscribed.html`` page; DRF views deny from their own permission check, so the answer
comes in their usual form (renderers, headers such as CORS) with the message as ``detail``.
"""

from __future__ import annotations

import functools
from importlib import import_module

from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, include, path
from rest_framework.views import APIView

from catalog.entitlement import refusal
from catalog.registry import get_all_services

# Set on the patterns the platform mounts, so checks can tell them from the platform's own.
SERVICE_MOUNT = "service_key"


class _ServiceGate:
    """Mixed into a service's DRF views: after their own permissions, the entitlement check.

    It runs where DRF has authenticated the caller (bearer tokens too), so the service's roles
    apply to API clients as well, and whatever ``get_permissions`` a view has cannot skip it.
    """

    service_key = ""

    def check_permissions(self, request):
        super().check_permissions(request)
        message = refusal(request, self.service_key)
        if message is not None:
            self.permission_denied(request, message=message, code="service_not_subscribed")


def _gated_api_view(view, service_key: str):
    cls = view.cls
    gated_cls = type(cls.__name__, (_ServiceGate, cls), {
        "__module__": cls.__module__, "__qualname__": cls.__qualname__, "__doc__": cls.__doc__,
        "service_key": service_key,
    })
    initkwargs = getattr(view, "initkwargs", {})
    actions = getattr(view, "actions", None)
    return gated_cls.as_view(actions, **initkwargs) if actions else gated_cls.as_view(**initkwargs)


def gate(view, service_key: str, *, api: bool):
    """``view`` behind the entitlement check of ``service_key``."""
    if isinstance(getattr(view, "cls", None), type) and issubclass(view.cls, APIView):
        gated = _gated_api_view(view, service_key)
    else:
        @functools.wraps(view)  # keeps view_class, csrf_exempt and town_public for the middleware
        def gated(request, *args, **kwargs):
            message = refusal(request, service_key)
            if message is None:
                return view(request, *args, **kwargs)
            if api:
                return JsonResponse({"detail": message}, status=403)
            return TemplateResponse(request, "catalog/not_subscribed.html",
                                    {"message": message, "service_key": service_key}, status=403)

    setattr(gated, SERVICE_MOUNT, service_key)
    return gated


def _gated_patterns(patterns, service_key: str, *, api: bool) -> list:
    gated = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            gated.append(URLResolver(pattern.pattern, _gated_patterns(pattern.url_patterns, service_key, api=api),
                                     pattern.default_kwargs, pattern.app_name, pattern.namespace))
        else:
            gated.append(URLPattern(pattern.pattern, gate(pattern.callback, service_key, api=api),
                                    pattern.default_args, pattern.name))
    return gated


def _mount(prefix: str, module_path: str, service_key: str, *, api: bool):
    module = import_module(module_path)
    app_name = getattr(module, "app_name", None) or (f"{service_key}-api" if api else service_key)
    patterns = _gated_patterns(module.urlpatterns, service_key, api=api)
    mounted = path(prefix, include((patterns, app_name), namespace=app_name))
    setattr(mounted, SERVICE_MOUNT, service_key)
    return mounted


def service_urlpatterns() -> list:
    """Every service's pages at ``/<key>/`` on a town host."""
    return [_mount(f"{meta.key}/", meta.urls, meta.key, api=False)
            for meta in get_all_services().values() if meta.urls]


def service_api_urlpatterns() -> list:
    """Every service's API at ``<key>/``, for inclusion under ``/api/v1/`` on a town host."""
    return [_mount(f"{meta.key}/", meta.api_urls, meta.key, api=True)
            for meta in get_all_services().values() if meta.api_urls]
