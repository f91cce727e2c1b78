"""URLs at a town's host (the town's schema). Every view needs a member unless marked @town_public."""

from django.urls import include, path
from django.views.i18n import set_language

from billing.views import town as billing_town
from catalog.urls_town import service_patterns
from catalog.urls_town import urlpatterns as catalog_patterns
from kiverbund.portal.views import auth, members, town
from kiverbund.sso import views as sso_views
from kiverbund.urls_api import town_api_patterns
from tenants.middleware import town_public

urlpatterns = [
    path("", include(([
        path("", town.landing, name="landing"),
        path("documents/", town.documents, name="documents"),
        path("documents/<int:document_id>/download/", town.document_download, name="document-download"),
        path("members/", members.member_list, name="members"),
        path("members/invite/", members.member_invite, name="member-invite"),
        path("members/<str:member_id>/role/", members.member_role, name="member-role"),
        path("members/<str:member_id>/remove/", members.member_remove, name="member-remove"),
    ], "town"))),
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
    path("finance/", include(([
        path("", billing_town.finance, name="finance"),
        path("download/<str:fmt>/", billing_town.download, name="download"),
    ], "town-finance"))),
    *catalog_patterns,
    *service_patterns(),
    path("api/v1/", include(town_api_patterns)),
]
