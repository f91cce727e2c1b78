"""URLs of the operator console at PLATFORM_DOMAIN (public schema)."""

from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from kiverbund.portal.views import auth, console
from kiverbund.sso import views as sso_views
from tenants.api import TownViewSet
from tenants.middleware import town_public

router = DefaultRouter()
router.register("towns", TownViewSet, basename="town")

console_patterns = [
    path("", console.town_list, name="towns"),
    path("towns/<str:ags>/", console.town_detail, name="town"),
    path("towns/<str:ags>/status/", console.town_status, name="town-status"),
    path("towns/<str:ags>/export/", console.town_export, name="town-export"),
    path("towns/<str:ags>/exports/<int:export_id>/", console.export_download, name="export-download"),
    path("towns/<str:ags>/offboard/", console.town_offboard, name="town-offboard"),
    path("audit/", console.audit_log, name="audit"),
]

urlpatterns = [
    path("", include((console_patterns, "console"))),
    path("accounts/", include(([
        path("login/", auth.login, name="login"),
        path("logout/", auth.logout, name="logout"),
    ], "portal"))),
    path("oidc/", include([
        path("authenticate/", sso_views.authenticate, name="oidc_authentication_init"),
        path("callback/", sso_views.callback, name="oidc_authentication_callback"),
        path("logout/", sso_views.logout, name="oidc_logout"),
    ])),
    path("i18n/setlang/", town_public(set_language), name="set_language"),
    path("api/v1/", include(router.urls)),
    path("api/v1/schema/", SpectacularAPIView.as_view(urlconf="kiverbund.urls_console"), name="schema"),
]
