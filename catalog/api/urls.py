"""API patterns of the catalogue: town-host ones and console ones (paths never overlap)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from catalog.api import console, town

town_router = SimpleRouter()
town_router.register("subscriptions", town.SubscriptionViewSet, basename="subscription")
town_router.register("register", town.RegisterEntryViewSet, basename="register-entry")

town_api_patterns = [
    path("catalogue/", town.CatalogueView.as_view(), name="api-catalogue"),
    path("", include(town_router.urls)),
]

console_router = SimpleRouter()
console_router.register("services", console.ServiceViewSet, basename="service")
console_router.register("offerings", console.OfferingViewSet, basename="offering")
console_router.register("county/subscriptions", console.CountySubscriptionViewSet, basename="county-subscription")

console_api_patterns = [
    path("county/register/", console.CountyRegisterView.as_view(), name="api-county-register"),
    path("", include(console_router.urls)),
]
