"""URLs at a town's host (the town's schema). Every view needs a member unless marked @town_public."""

from django.urls import include, path
from django.views.i18n import set_language

from kiverbund.portal.views import auth, town
from tenants.middleware import town_public

urlpatterns = [
    path("", include(([
        path("", town.landing, name="landing"),
        path("documents/", town.documents, name="documents"),
        path("documents/<int:document_id>/download/", town.document_download, name="document-download"),
    ], "town"))),
    path("accounts/", include(([
        path("login/", auth.login, name="login"),
        path("logout/", auth.logout, name="logout"),
    ], "portal"))),
    path("i18n/setlang/", town_public(set_language), name="set_language"),
]
