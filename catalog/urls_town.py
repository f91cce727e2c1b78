"""Catalogue, subscription and KI-Register URLs at a town's host."""

from django.urls import include, path

from catalog.views import register, town

app_patterns = [
    path("catalogue/", town.catalogue, name="catalogue"),
    path("catalogue/<slug:key>/", town.service_detail, name="service"),
    path("catalogue/<slug:key>/request/", town.subscription_request, name="request"),
    path("subscriptions/<int:subscription_id>/checklist/<slug:item>/", town.checklist_confirm, name="checklist"),
    path("subscriptions/<int:subscription_id>/sign-off/", town.checklist_sign_off, name="sign-off"),
    path("subscriptions/<int:subscription_id>/activate/", town.subscription_activate, name="activate"),
    path("subscriptions/<int:subscription_id>/cancel/", town.subscription_cancel, name="cancel"),
    path("subscriptions/<int:subscription_id>/withdraw/", town.subscription_withdraw, name="withdraw"),
    path("ki-register/", register.register_page, name="register"),
    path("ki-register/<int:entry_id>/edit/", register.register_edit, name="register-edit"),
]

urlpatterns = [
    path("", include((app_patterns, "catalog"))),
    path("ki-register.json", register.register_json, name="register-json"),
    path("ki-register.csv", register.register_csv, name="register-csv"),
]

