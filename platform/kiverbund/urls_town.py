"""URLs at a town's host (the town's schema). Every view needs a member unless marked @town_public.

Each service's pages are mounted at /<key>/ from its descriptor, behind the entitlement gate.
"""

from django.urls import include, path

from billing.views import town as billing_town
from catalog.mounting import service_urlpatterns
from catalog.urls_town import urlpatterns as catalog_patterns
from kiverbund.urls_api import town_api_patterns
from kiverbund.urls_common import account_patterns
from portal.views import members, town

urlpatterns = [
    # First: machines call the API far more often than people open pages, and Django tries patterns in order.
    path("api/v1/", include(town_api_patterns)),
    path("", include(([
        path("", town.landing, name="landing"),
        path("documents/", town.documents, name="documents"),
        path("documents/<int:document_id>/download/", town.document_download, name="document-download"),
        path("members/", members.member_list, name="members"),
        path("members/invite/", members.member_invite, name="member-invite"),
        path("members/invitations/<int:invitation_id>/resend/", members.invitation_resend,
             name="invitation-resend"),
        path("members/invitations/<int:invitation_id>/withdraw/", members.invitation_withdraw,
             name="invitation-withdraw"),
        path("members/<str:member_id>/role/", members.member_role, name="member-role"),
        path("members/<str:member_id>/remove/", members.member_remove, name="member-remove"),
    ], "town"))),
    *account_patterns,
    path("finance/", include(([
        path("", billing_town.finance, name="finance"),
        path("download/<str:fmt>/", billing_town.download, name="download"),
    ], "town-finance"))),
    *catalog_patterns,
    *service_urlpatterns(),
]

# Error answers (portal.errors): a 400 page that says what was wrong, JSON under /api/, and a backing
# server down is a 503 with Retry-After, not a 500.
handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.not_found"
handler500 = "portal.errors.server_error"
