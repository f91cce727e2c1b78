"""Machines outside the platform report usage with their town's service account (real Keycloak tokens)."""

import json

import pytest
from django.test import Client
from django.utils import timezone

from billing.models import UsageEvent

from . import test_tokens
from .test_api_auth import person, service_account, towns  # noqa: F401  (fixtures)

pytestmark = pytest.mark.keycloak
clients = test_tokens.clients
_fresh_key_cache = test_tokens._fresh_key_cache


def post(town, token, body, key="fahrt-2026-11-21-0001"):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "en"}
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return Client(HTTP_HOST=town.host).post("/api/v1/usage/", json.dumps(body), content_type="application/json",
                                            **headers)


def report(quantity="12"):
    return {"service": "roads", "unit": "image", "quantity": quantity,
            "occurred_at": timezone.now().replace(microsecond=0).isoformat()}


def test_a_service_account_reports_usage_exactly_once(towns, service_account):
    town, _other = towns
    token = service_account(town)
    body = report()
    first = post(town, token, body)
    assert first.status_code == 201, first.content
    assert first.json()["quantity"] == "12.000"
    again = post(town, token, body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert UsageEvent.objects.filter(town=town).count() == 1
    event = UsageEvent.objects.get()
    assert event.source == f"service-account:town-{town.slug}-api"
    conflict = post(town, token, report(quantity="13"))
    assert conflict.status_code == 409 and "already used" in conflict.json()["detail"]


def test_usage_for_another_town_and_by_people_is_refused(towns, service_account, person):
    town, other = towns
    assert post(other, service_account(town), report()).status_code == 403
    staff = person("usage-clerk", ["town_staff"], town)
    refused = post(town, staff, report())
    assert refused.status_code == 403 and "service account" in refused.json()["detail"]
    assert not UsageEvent.objects.exists()


def test_bad_reports_get_a_400_with_a_reason(towns, service_account):
    town, _other = towns
    token = service_account(town)
    assert post(town, token, report(), key=None).status_code == 400
    bad = post(town, token, report(quantity="-3"))
    assert bad.status_code == 400
    assert post(town, token, {**report(), "occurred_at": "2099-01-01T00:00:00Z"}).json()["detail"].endswith("future")
    assert not UsageEvent.objects.exists()
