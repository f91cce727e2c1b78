"""URLs of the operator console at PLATFORM_DOMAIN (public schema)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from billing.views import county as billing_county
from catalog.views import console as catalog_console
from kiverbund.urls_api import console_api_patterns
from kiverbund.urls_common import account_patterns
from portal.views import console

console_patterns = [
    path("", console.console_home, name="towns"),
    path("towns/new/", console.town_new, name="town-new"),
    path("towns/<str:ags>/", console.town_detail, name="town"),
    path("towns/<str:ags>/status/", console.town_status, name="town-status"),
    path("towns/<str:ags>/address/", console.town_address, name="town-address"),
    path("towns/<str:ags>/export/", console.town_export, name="town-export"),
    path("towns/<str:ags>/exports/<int:export_id>/", console.export_download, name="export-download"),
    path("towns/<str:ags>/offboard/", console.town_offboard, name="town-offboard"),
    path("audit/", console.audit_log, name="audit"),
    path("catalogue/", catalog_console.offerings, name="offerings"),
    path("catalogue/offerings/new/", catalog_console.offering_edit, name="offering-new"),
    path("catalogue/offerings/<int:offering_id>/", catalog_console.offering_edit, name="offering"),
    path("catalogue/subscriptions/<int:subscription_id>/approve/", catalog_console.subscription_approve,
         name="subscription-approve"),
    path("ki-register/", catalog_console.county_register, name="register"),
]

finance_patterns = [
    path("", billing_county.dashboard, name="dashboard"),
    path("pools/", billing_county.add_pool, name="pool"),
    path("rules/<slug:service>/", billing_county.rule, name="rule"),
    path("period/", billing_county.period_action, name="period"),
    path("period/status/", billing_county.period_status, name="period-status"),
    path("download/<str:fmt>/", billing_county.download, name="download"),
    path("usage/", billing_county.usage, name="usage"),
    path("usage/<int:event_id>/void/", billing_county.usage_void, name="usage-void"),
]

urlpatterns = [
    path("", include((console_patterns, "console"))),
    path("finance/", include((finance_patterns, "finance"))),
    *account_patterns,
    path("api/v1/", include(console_api_patterns)),
    # One schema for the console and the town APIs (committed as docs/openapi.yaml).
    path("api/v1/schema/", SpectacularAPIView.as_view(urlconf="kiverbund.urls_api"), name="schema"),
]

# Error answers (portal.errors): a 400 page that says what was wrong, JSON under /api/, and a backing
# server down is a 503 with Retry-After, not a 500.
handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.not_found"
handler500 = "portal.errors.server_error"
