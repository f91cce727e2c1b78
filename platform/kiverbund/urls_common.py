"""URLs every host serves: login and logout (Keycloak and break-glass), the language switch."""

from django.urls import include, path
from django.views.i18n import set_language

from identity import sessions as sso_sessions
from identity import views as sso_views
from tenants.middleware import town_public

account_patterns = [
    path("accounts/", include(([
        path("login/", sso_views.login, name="login"),
        path("logout/", sso_views.logout, name="logout"),
    ], "portal"))),
    path("oidc/", include([
        path("authenticate/", sso_views.authenticate, name="oidc_authentication_init"),
        path("callback/", sso_views.callback, name="oidc_authentication_callback"),
        path("logout/", sso_views.logout, name="oidc_logout"),
        path("backchannel-logout/", sso_sessions.backchannel_logout, name="oidc_backchannel_logout"),
    ])),
    path("welcome/", sso_views.welcome, name="welcome"),
    path("i18n/setlang/", town_public(set_language), name="set_language"),
]
