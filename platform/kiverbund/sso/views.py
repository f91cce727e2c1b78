"""Login and logout through Keycloak, with a clear page instead of a stack trace when it is down."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from mozilla_django_oidc import views as oidc_views

from tenants.middleware import town_public

_health: dict[str, float | bool] = {"checked": 0.0, "up": False}


def keycloak_reachable() -> bool:
    """Whether the realm answers, checked at most every few seconds."""
    now = time.monotonic()
    if now - float(_health["checked"]) > 5:
        try:
            response = requests.get(f"{settings.OIDC_ISSUER}/.well-known/openid-configuration", timeout=2)
            _health["up"] = response.status_code == 200
        except requests.RequestException:
            _health["up"] = False
        _health["checked"] = now
    return bool(_health["up"])


def unavailable(request):
    return render(request, "sso/unavailable.html", status=503)


class LoginView(auth_views.LoginView):
    """The login page: "Mit Keycloak anmelden", and the break-glass password form for superusers."""

    template_name = "portal/login.html"
    redirect_authenticated_user = True
    town_public = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["keycloak_up"] = keycloak_reachable()
        return context


class AuthenticateView(oidc_views.OIDCAuthenticationRequestView):
    town_public = True

    def get(self, request):
        if not keycloak_reachable():
            return unavailable(request)
        return super().get(request)


class CallbackView(oidc_views.OIDCAuthenticationCallbackView):
    town_public = True

    def get(self, request):
        try:
            return super().get(request)
        except requests.RequestException:
            return unavailable(request)


class LogoutView(oidc_views.OIDCLogoutView):
    town_public = True


def provider_logout_url(request) -> str:
    """RP-initiated logout: Keycloak ends its session too, then sends the person back to this host."""
    id_token = request.session.get("oidc_id_token")
    if not id_token:
        return "/"  # a break-glass session: Keycloak has nothing to end
    params = {"client_id": settings.OIDC_RP_CLIENT_ID, "post_logout_redirect_uri": request.build_absolute_uri("/"),
              "id_token_hint": id_token}
    return f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{urlencode(params)}"


login = town_public(LoginView.as_view())
authenticate = town_public(AuthenticateView.as_view())
callback = town_public(CallbackView.as_view())
logout = town_public(LogoutView.as_view())
