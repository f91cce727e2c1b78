"""Billing runs queued by the page and the API run in the real Celery worker (tests/worker.py)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from billing.metering import record_usage
from billing.models import AllocationRule, BillingPeriod, CostPool, Statement
from core.audit.models import AuditEntry
from identity.sync import sync_user_from_claims
from kiverbund.celery import app

from ..conftest import host_client
from ..waiting import wait_for

pytestmark = pytest.mark.worker

MONTH = timezone.localdate().replace(day=1)
PERIOD = f"{MONTH:%Y-%m}"




@pytest.fixture
def committed_county(committed_town, offering, subscribe):
    a, b = committed_town("Taskdorf", "09999721"), committed_town("Queueheim", "09999722")
    for town in (a, b):
        subscribe(town, offering)
    for i in range(3):
        record_usage(a, "echo", "echo", 1, f"t{i}", timezone.now())
    record_usage(b, "echo", "echo", 1, "q0", timezone.now())
    CostPool.objects.create(service="echo", period=MONTH, category="hosting", amount=Decimal("100.01"))
    AllocationRule.objects.create(service="echo", kind="usage", usage_unit="echo")
    return a, b


def test_the_api_queues_the_run_and_the_worker_closes_the_period(committed_county, console_host, celery_worker):
    a, b = committed_county
    finance = sync_user_from_claims({"preferred_username": "kf", "roles": ["county_finance"], "organization": []})
    api = host_client(console_host, finance)
    response = api.post(f"/api/v1/billing/periods/{PERIOD}/close/")
    assert response.status_code == 202
    assert wait_for(lambda: BillingPeriod.objects.get(month=MONTH).status == "closed")
    assert {s.town_id: s.total for s in Statement.objects.filter(final=True)} == {a.pk: Decimal("75.01"),
                                                                                 b.pk: Decimal("25.00")}
    # The worker's audit entry names who asked for the run.
    assert AuditEntry.objects.get(action="billing.period.closed").actor == "kf"
    assert api.get(response["Location"]).json()["status"] == "closed"


def test_the_page_queues_a_rerunnable_run(committed_county, console_host, celery_worker):
    finance = sync_user_from_claims({"preferred_username": "kf2", "roles": ["county_finance"], "organization": []})
    console = host_client(console_host, finance)
    assert console.post("/finance/period/", {"period": PERIOD, "action": "run"}).status_code == 302
    assert wait_for(lambda: Statement.objects.count() == 2)
    first = {s.number: s.total for s in Statement.objects.all()}
    requested = BillingPeriod.objects.get(month=MONTH).last_run_at
    console.post("/finance/period/", {"period": PERIOD, "action": "run"})
    assert wait_for(lambda: BillingPeriod.objects.get(month=MONTH).last_run_at != requested)
    # Re-running an open period gives the same statements (replaced, not added).
    assert {s.number: s.total for s in Statement.objects.all()} == first
    assert BillingPeriod.objects.get(month=MONTH).status == "open"


def test_a_run_that_fails_in_the_worker_leaves_its_reason_on_the_period(committed_county, console_host,
                                                                       celery_worker):
    BillingPeriod.objects.create(month=MONTH)
    AllocationRule.objects.all().delete()  # a key removed after the run was queued
    result = app.send_task("billing.run_period", kwargs={"month": PERIOD, "actor": "pytest"}).get(timeout=60)
    assert "kein Verteilschlüssel" in result["error"]
    period = BillingPeriod.objects.get(month=MONTH)
    assert "kein Verteilschlüssel" in period.last_error and not Statement.objects.exists()
    assert AuditEntry.objects.filter(action="billing.period.run_failed").exists()
    finance = sync_user_from_claims({"preferred_username": "kf3", "roles": ["county_finance"], "organization": []})
    page = host_client(console_host, finance).get(f"/finance/?period={PERIOD}").content.decode()
    assert "fehlgeschlagen" in page and "kein Verteilschlüssel" in page
