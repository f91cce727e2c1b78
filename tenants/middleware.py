"""Tenant resolution by host name and membership enforcement."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import Http404, HttpResponseNotFound
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import set_urlconf
from django.utils.deprecation import MiddlewareMixin
from django_tenants.middleware.main import TenantMainMiddleware

from tenants.access import can_access_town, is_platform_admin
from tenants.hosts import town_for_host
from tenants.models import TownStatus

CONSOLE_HOSTS = {"localhost", "127.0.0.1"}


class TownMiddleware(TenantMainMiddleware):
    """``<slug>.<PLATFORM_DOMAIN>`` selects a town's schema; ``PLATFORM_DOMAIN`` is the operator console.

    Unlike django-tenants' default the console needs no tenant row of its own,
    and a host that names no live town is a 404.
    """

    def process_request(self, request):
        connection.set_schema_to_public()
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            return HttpResponseNotFound()
        if hostname == settings.PLATFORM_DOMAIN or hostname in CONSOLE_HOSTS:
            request.tenant = None
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            return None
        town = town_for_host(hostname)
        if town is None or town.status == TownStatus.OFFBOARDED:
            raise Http404(f"No town is served at {hostname}")
        town.domain_url = hostname
        request.tenant = town
        connection.set_tenant(town)
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        if town.status == TownStatus.SUSPENDED:
            # Rendered here: only views' TemplateResponses are rendered by Django itself.
            return render(request, "portal/town_suspended.html", {"town": town}, status=503)
        return None


def town_public(view):
    """Mark a town-host view as open to everyone (citizens, members of other towns)."""
    view.town_public = True
    return view


class MembershipMiddleware(MiddlewareMixin):
    """Every town-host view that is not marked public needs a member of that town.

    Deny by default: a new view is protected unless it opts out with
    ``@town_public``.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        town = getattr(request, "tenant", None)
        if town is None:
            return None
        func = getattr(view_func, "view_class", view_func)
        if getattr(view_func, "town_public", False) or getattr(func, "town_public", False):
            return None
        user = request.user
        if not user.is_authenticated:
            if request.path.startswith("/api/"):
                return None  # DRF answers 401/403 itself.
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if not can_access_town(user, town):
            return TemplateResponse(request, "portal/forbidden.html", {"town": town}, status=403)
        return None


__all__ = ["TownMiddleware", "MembershipMiddleware", "town_public", "is_platform_admin"]
