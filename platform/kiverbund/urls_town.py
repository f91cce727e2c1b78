"""URLs at a town's host (the town's schema). Every view needs a member unless marked @town_public."""

from django.urls import include, path
from django.views.i18n import set_language

from kiverbund.portal.api_town import TownInfoView
from kiverbund.portal.views import auth, members, town
from kiverbund.sso import views as sso_views
from services.chatbot.urls import api_urlpatterns as chatbot_api
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
    path("api/v1/town/", TownInfoView.as_view(), name="api-town"),
    path("chatbot/", include("services.chatbot.urls")),
    path("api/v1/chatbot/", include(chatbot_api)),
]
