"""Machines outside the platform report usage with their town's service account (real Keycloak tokens)."""

import json

import pytest
from django.test import Client
from django.utils import timezone

from billing.models import UsageEvent

from ..catalog.conftest import echo_service, make_offering, offering, subscribe  # noqa: F401  (fixtures)
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
    return {"service": "echo", "unit": "echo", "quantity": quantity,
            "occurred_at": timezone.now().replace(microsecond=0).isoformat()}


@pytest.fixture
def subscribed(towns, offering, subscribe):
    """The two towns of test_api_auth; the first subscribed to the echo service."""
    subscribe(towns[0], offering)
    return towns


def test_a_service_account_reports_usage_exactly_once(subscribed, service_account):
    town, _other = subscribed
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


def test_usage_for_another_town_and_by_people_is_refused(subscribed, service_account, person):
    town, other = subscribed
    assert post(other, service_account(town), report()).status_code == 403
    staff = person("usage-clerk", ["town_staff"], town)
    refused = post(town, staff, report())
    assert refused.status_code == 403 and "service account" in refused.json()["detail"]
    assert not UsageEvent.objects.exists()


def test_bad_reports_get_a_400_with_a_reason(subscribed, service_account):
    town, _other = subscribed
    token = service_account(town)
    assert post(town, token, report(), key=None).status_code == 400
    bad = post(town, token, report(quantity="-3"))
    assert bad.status_code == 400
    assert post(town, token, {**report(), "occurred_at": "2099-01-01T00:00:00Z"}).json()["detail"].endswith("future")
    assert not UsageEvent.objects.exists()


HUGE = "99999999999.999"


def test_reports_that_could_break_billing_are_refused(subscribed, service_account, offering):
    import datetime as dt
    from decimal import Decimal

    from billing.models import BillingPeriod, PeriodStatus

    town, other = subscribed
    token = service_account(town)
    now = timezone.now().replace(microsecond=0)
    refused = {
        "huge quantity": {**report(HUGE)},
        "year 1": {**report(), "occurred_at": "0001-01-01T00:00:00Z"},
        "long ago": {**report(), "occurred_at": (now - dt.timedelta(days=200)).isoformat()},
        "unsubscribed service": {**report(), "service": "chatbot", "unit": "answered_question"},
        "unknown service": {**report(), "service": "x-" + "a" * 20},
        "undeclared unit": {**report(), "unit": "tokens"},
    }
    for label, body in refused.items():
        response = post(town, token, body, key=f"bad-{label}")
        assert response.status_code == 400, (label, response.content)
        assert response.json()["detail"], label
    # The month's total is bounded too: many plausible reports cannot add up to an overflow.
    from django.test import override_settings

    sixty = report("60")
    with override_settings(USAGE_MAX_PER_MONTH=100):
        assert post(town, token, sixty, key="m1").status_code == 201
        over = post(town, token, sixty, key="m2")
        assert over.status_code == 400 and "exceed 100" in over.json()["detail"]
        assert post(town, token, sixty, key="m1").status_code == 200  # a retry is still answered
    # A closed period takes no more usage.
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    BillingPeriod.objects.create(month=last_month, status=PeriodStatus.CLOSED)
    late = post(town, token, {**report(), "occurred_at": f"{last_month:%Y-%m}-15T12:00:00+00:00"}, key="late")
    if (now - dt.datetime.combine(last_month.replace(day=15), dt.time(12), dt.UTC)).days <= 45:
        assert late.status_code == 400 and "closed" in late.json()["detail"]
    # The other town is not subscribed: its machine cannot report echo usage.
    assert post(other, service_account(other), report(), key="o").status_code == 400
    assert list(UsageEvent.objects.values_list("quantity", flat=True)) == [Decimal("60.000")]


def test_a_service_account_gets_a_403_on_county_billing_not_a_server_error(subscribed, service_account):
    from django.conf import settings

    town, _other = subscribed
    api = Client(HTTP_HOST=settings.PLATFORM_DOMAIN, HTTP_AUTHORIZATION=f"Bearer {service_account(town)}")
    for method, path in [("get", "/api/v1/billing/statements/"), ("get", "/api/v1/billing/pools/"),
                         ("get", "/api/v1/billing/usage/"), ("post", "/api/v1/billing/periods/2026-11/run/"),
                         ("get", "/api/v1/billing/statements/report/?period=2026-11&output=csv"),
                         ("get", "/api/v1/billing/rules/efficiency-overrides/")]:
        response = getattr(api, method)(path)
        assert response.status_code == 403, (path, response.status_code, response.content[:200])
        assert response.json()["detail"]
