"""The API patterns of both hosts, and the one OpenAPI schema that covers them (docs/openapi.yaml).

The console host serves ``console_api_patterns``, town hosts serve
``town_api_patterns``; their paths never overlap, so one document describes both.
"""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from billing import api_finance as billing_api
from billing.api import UsageReportView
from catalog.api.urls import console_api_patterns as catalog_console_api
from catalog.api.urls import town_api_patterns as catalog_town_api
from catalog.mounting import service_api_urlpatterns
from portal.api_town import TownInfoView
from tenants.api import TownViewSet

_router = SimpleRouter()
_router.register("towns", TownViewSet, basename="town")
_router.register("billing/pools", billing_api.CostPoolViewSet, basename="billing-pool")
_router.register("billing/rules", billing_api.AllocationRuleViewSet, basename="billing-rule")
_router.register("billing/periods", billing_api.BillingPeriodViewSet, basename="billing-period")
_router.register("billing/statements", billing_api.StatementViewSet, basename="billing-statement")
_router.register("billing/usage", billing_api.UsageEventViewSet, basename="billing-usage")
_town_router = SimpleRouter()
_town_router.register("finance/statements", billing_api.TownStatementViewSet, basename="town-statement")

console_api_patterns = [*_router.urls, *catalog_console_api]
town_api_patterns = [
    path("town/", TownInfoView.as_view(), name="api-town"),
    path("usage/", UsageReportView.as_view(), name="api-usage"),
    *_town_router.urls,
    *catalog_town_api,
    # Each service's API at /api/v1/<key>/, from its descriptor, behind the entitlement gate.
    *service_api_urlpatterns(),
]

# Only for schema generation: both hosts' APIs in one URLconf.
urlpatterns = [path("api/v1/", include([*console_api_patterns, *town_api_patterns]))]
