"""Usage cannot break billing: bounds, a run that carries on past one town's bad figure, voids."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from billing.actions import run_period
from billing.metering import UsageError, record_usage
from billing.models import AllocationRule, BillingPeriod, CostPool, Statement, UsageEvent, UsageVoid
from core.audit.models import AuditEntry

from ..conftest import host_client
from .test_finance_api import county_finance

MONTH = timezone.localdate().replace(day=1)
PERIOD = f"{MONTH:%Y-%m}"
HUGE = Decimal("99999999999.999")


def legacy_event(town, quantity, key, occurred_at=None):
    """A usage row as the old ``POST /api/v1/usage/`` accepted it (before the bounds): written as it was stored."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO billing_usageevent (town_id, service, unit, quantity, idempotency_key, occurred_at, "
            "recorded_at, source) VALUES (%s, 'echo', 'echo', %s, %s, %s, now(), 'legacy') RETURNING id",
            [town.pk, quantity, key, occurred_at or timezone.now()])
        return UsageEvent.objects.get(pk=cursor.fetchone()[0])


@pytest.fixture
def pool(make_town, offering, subscribe):
    a, b, c = (make_town(name, population=1000) for name in ("Amtsdorf", "Burgheim", "Chorstadt"))
    for town in (a, b, c):
        subscribe(town, offering)
    CostPool.objects.create(service="echo", period=MONTH, category="staff", amount=Decimal("900.00"))
    AllocationRule.objects.create(service="echo", kind="usage", usage_unit="echo")
    return a, b, c


def test_three_huge_reports_no_longer_stop_the_run_for_the_others(pool):
    a, b, c = pool
    for i in range(3):
        legacy_event(a, HUGE, f"huge-{i}")
    record_usage(b, "echo", "echo", 2, "b", timezone.now())
    record_usage(c, "echo", "echo", 1, "c", timezone.now())
    period = run_period(MONTH, actor="pytest")
    totals = {s.town.name: s.total for s in Statement.objects.filter(period=period).select_related("town")}
    # Amtsdorf's implausible usage is left out: the pool is split by the others' real usage.
    assert totals == {"Amtsdorf": Decimal("0.00"), "Burgheim": Decimal("600.00"), "Chorstadt": Decimal("300.00")}
    assert len(period.warnings) == 1 and "Amtsdorf" in period.warnings[0] and "echo/echo" in period.warnings[0]
    entry = AuditEntry.objects.filter(action="billing.period.run").latest("pk")
    assert entry.details["warnings"] == period.warnings


def test_record_usage_refuses_implausible_figures(pool):
    a, _b, _c = pool
    with pytest.raises(UsageError, match="at most 100000"):
        record_usage(a, "echo", "echo", HUGE, "x", timezone.now())
    with pytest.raises(UsageError, match="before 2020"):
        record_usage(a, "echo", "echo", 1, "y", dt.datetime(1, 1, 1, tzinfo=dt.UTC))
    assert not UsageEvent.objects.exists()


def test_county_finance_voids_an_event_through_the_api(pool, console_host):
    a, b, _c = pool
    bad = legacy_event(a, Decimal("5000"), "typo")
    record_usage(a, "echo", "echo", 1, "a", timezone.now())
    record_usage(b, "echo", "echo", 1, "b", timezone.now())
    api = host_client(console_host, county_finance())
    listing = api.get(f"/api/v1/billing/usage/?period={PERIOD}&town={a.ags}")
    assert listing.status_code == 200 and listing["Cache-Control"].count("no-store") == 1
    assert [e["quantity"] for e in listing.json()["results"]] == ["5000.000", "1.000"]  # largest first
    refused = api.post(f"/api/v1/billing/usage/{bad.pk}/void/", {"reason": ""}, content_type="application/json")
    assert refused.status_code == 400
    voided = api.post(f"/api/v1/billing/usage/{bad.pk}/void/", {"reason": "Tippfehler: 5000 statt 5"},
                      content_type="application/json")
    assert voided.status_code == 201, voided.content
    assert voided.json()["void"]["reason"] == "Tippfehler: 5000 statt 5"
    assert voided.json()["void"]["voided_by"] == "kf"
    again = api.post(f"/api/v1/billing/usage/{bad.pk}/void/", {"reason": "nochmal"}, content_type="application/json")
    assert again.status_code == 400 and "voided before" in again.json()["detail"]
    assert api.post("/api/v1/billing/usage/999999/void/", {"reason": "x"},
                    content_type="application/json").status_code == 404
    # The event is still there, unchanged; the void is an entry beside it, audited.
    assert UsageEvent.objects.get(pk=bad.pk).quantity == Decimal("5000")
    entry = AuditEntry.objects.get(action="billing.usage.voided")
    assert entry.details["event"] == bad.pk and entry.town_id == a.pk
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        UsageVoid.objects.filter(event=bad).delete()
    period = run_period(MONTH, actor="pytest")
    totals = {s.town.name: s.total for s in Statement.objects.filter(period=period).select_related("town")}
    assert totals["Amtsdorf"] == totals["Burgheim"] == Decimal("450.00")


def test_county_finance_voids_an_event_on_the_page(pool, console_host):
    a, _b, _c = pool
    bad = legacy_event(a, Decimal("7777"), "typo")
    page = host_client(console_host, county_finance())
    listing = page.get(f"/finance/usage/?period={PERIOD}")
    assert listing.status_code == 200 and "7.777" in listing.content.decode() and "no-store" in listing["Cache-Control"]
    done = page.post(f"/finance/usage/{bad.pk}/void/", {"period": PERIOD, "reason": "Doppelt gemeldet"})
    assert done.status_code == 302
    assert UsageVoid.objects.get(event=bad).reason == "Doppelt gemeldet"
    assert "Doppelt gemeldet" in page.get(f"/finance/usage/?period={PERIOD}").content.decode()
    assert page.post("/finance/usage/999999/void/", {"reason": "x"}).status_code == 404
    # Town staff and machines never reach it.
    assert host_client(console_host).get("/finance/usage/").status_code == 302


def test_the_finance_page_shows_what_the_run_left_out(pool, console_host):
    a, _b, _c = pool
    legacy_event(a, HUGE, "huge")
    run_period(MONTH, actor="pytest")
    assert BillingPeriod.objects.get(month=MONTH).warnings
    page = host_client(console_host, county_finance()).get(f"/finance/?period={PERIOD}")
    assert "Obergrenze" in page.content.decode() and "/finance/usage/" in page.content.decode()
