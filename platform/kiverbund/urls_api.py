"""The API patterns of both hosts, and the one OpenAPI schema that covers them (docs/openapi.yaml).

The console host serves ``console_api_patterns``, town hosts serve
``town_api_patterns``; their paths never overlap, so one document describes both.
"""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from billing.api import UsageReportView
from catalog.api.urls import console_api_patterns as catalog_console_api
from catalog.api.urls import town_api_patterns as catalog_town_api
from catalog.urls_town import service_api_patterns
from kiverbund.portal.api_town import TownInfoView
from tenants.api import TownViewSet

_router = SimpleRouter()
_router.register("towns", TownViewSet, basename="town")

console_api_patterns = [*_router.urls, *catalog_console_api]
town_api_patterns = [
    path("town/", TownInfoView.as_view(), name="api-town"),
    path("usage/", UsageReportView.as_view(), name="api-usage"),
    *catalog_town_api,
    path("services/", include(service_api_patterns())),
]

# Only for schema generation: both hosts' APIs in one URLconf.
urlpatterns = [path("api/v1/", include([*console_api_patterns, *town_api_patterns]))]
