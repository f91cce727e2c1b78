"""Login and logout through Keycloak, with a clear page instead of a stack trace when it is down."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import redirect, render
from mozilla_django_oidc import views as oidc_views

from core.audit.log import log_action
from core.caching import shared
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


def _break_glass_keys(request, username: str) -> list[str]:
    return [f"break-glass:failures:user:{username.strip().lower()}",
            f"break-glass:failures:addr:{request.META.get('REMOTE_ADDR', '')}"]


class LoginView(auth_views.LoginView):
    """The login page: "Mit Keycloak anmelden", and on the console host the break-glass password form.

    Break-glass is the county IT's emergency access: only superusers, only on the
    console host, locked after ``BREAK_GLASS_MAX_FAILURES`` failures per user name or
    address for ``BREAK_GLASS_LOCK_SECONDS``, every attempt in the audit log.
    """

    template_name = "portal/login.html"
    redirect_authenticated_user = True
    town_public = True

    def post(self, request, *args, **kwargs):
        if getattr(request, "tenant", None) is not None:
            raise Http404("The emergency access is only on the console host")
        username = request.POST.get("username", "")
        if self._locked(request, username):
            log_action("identity.break_glass.refused", username=username[:150],
                       address=request.META.get("REMOTE_ADDR", ""), reason="locked")
            form = self.get_form()
            form.is_bound = False
            context = self.get_context_data(form=form, locked=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def _locked(self, request, username: str) -> bool:
        counts = shared().get_many(_break_glass_keys(request, username))
        return any(int(value) >= settings.BREAK_GLASS_MAX_FAILURES for value in counts.values())

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session.set_expiry(settings.BREAK_GLASS_SESSION_SECONDS)
        shared().delete_many(_break_glass_keys(self.request, form.get_user().get_username()))
        log_action("identity.break_glass.login", actor=form.get_user(),
                   address=self.request.META.get("REMOTE_ADDR", ""))
        return response

    def form_invalid(self, form):
        username = self.request.POST.get("username", "")
        cache = shared()
        for key in _break_glass_keys(self.request, username):
            cache.add(key, 0, settings.BREAK_GLASS_LOCK_SECONDS)
            cache.incr(key)
        log_action("identity.break_glass.failed", username=username[:150],
                   address=self.request.META.get("REMOTE_ADDR", ""))
        return super().form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["keycloak_up"] = keycloak_reachable()
        context["break_glass"] = getattr(self.request, "tenant", None) is None
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



@town_public
def welcome(request):
    """Where Keycloak sends a person who accepted an invitation (the Organization's redirect URL).

    Keycloak's SSO session exists by now, so the portal's own login passes straight through it and the
    person lands signed in at their town's start page, not on Keycloak's account console.
    """
    if request.user.is_authenticated:
        return redirect("/")
    return redirect(f"/oidc/authenticate/?{urlencode({'next': '/'})}")
