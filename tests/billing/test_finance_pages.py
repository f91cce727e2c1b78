"""County finance enters a cost, chooses a key, runs and closes; a town's finance downloads only its own."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from billing.metering import record_usage
from billing.models import AllocationRule, BillingPeriod, CostPool, Statement
from kiverbund.sso.sync import sync_user_from_claims

from ..conftest import host_client

MONTH = timezone.localdate().replace(day=1)
PERIOD = f"{MONTH:%Y-%m}"


def person(role, town=None):
    return sync_user_from_claims({"preferred_username": f"{role}-{town.slug if town else 'kreis'}", "roles": [role],
                                  "organization": [town.slug] if town else []})


@pytest.fixture
def setup(make_town, offering, subscribe, console_host):
    a = make_town("Amtsdorf", population=12000, leitweg_id="04011000-1234512345-06")
    b = make_town("Burgheim", population=6000)
    for town in (a, b):
        subscribe(town, offering)
    for i in range(3):
        record_usage(a, "echo", "echo", 1, f"a{i}", timezone.now())
    record_usage(b, "echo", "echo", 1, "b0", timezone.now())
    return {"a": a, "b": b, "console": host_client(console_host, person("county_finance"))}


def test_county_finance_journey(setup):
    console = setup["console"]
    page = console.get(f"/finance/?period={PERIOD}")
    assert page.status_code == 200
    response = console.post("/finance/pools/", {"service": "echo", "month": PERIOD, "category": "hosting",
                                                "amount": "1000.00", "description": "Rechenzentrum",
                                                "document": SimpleUploadedFile("rechnung.pdf", b"%PDF-1.4")})
    assert response.status_code == 302
    pool = CostPool.objects.get()
    assert pool.amount == Decimal("1000.00") and pool.document.name.endswith(".pdf")
    # Preview a key: nothing is saved.
    preview = console.post(f"/finance/rules/echo/?period={PERIOD}", {
        "kind": "usage", "usage_unit": "echo", "base_fraction": "0.3", "weight_equal": "0", "weight_population": "0",
        "weight_usage": "0", "preview": "1", "period": PERIOD})
    assert preview.status_code == 200 and "750,00" in preview.content.decode()
    assert not AllocationRule.objects.exists()
    console.post(f"/finance/rules/echo/?period={PERIOD}", {
        "kind": "usage", "usage_unit": "echo", "base_fraction": "0.3", "weight_equal": "0", "weight_population": "0",
        "weight_usage": "0", "save": "1", "period": PERIOD})
    assert AllocationRule.objects.get().kind == "usage"
    console.post("/finance/period/", {"period": PERIOD, "action": "close"})
    assert BillingPeriod.objects.get(month=MONTH).status == "closed"
    assert {s.town.name: s.total for s in Statement.objects.all()} == {"Amtsdorf": Decimal("750.00"),
                                                                      "Burgheim": Decimal("250.00")}
    dashboard = console.get(f"/finance/?period={PERIOD}").content.decode()
    assert "Amtsdorf" in dashboard and "Burgheim" in dashboard and "<svg" in dashboard
    county_xlsx = console.get(f"/finance/download/xlsx/?period={PERIOD}")
    assert county_xlsx.status_code == 200 and county_xlsx.content[:2] == b"PK"


def test_town_finance_sees_and_downloads_only_its_own_town(setup):
    setup["console"].post("/finance/pools/", {"service": "echo", "month": PERIOD, "category": "licences",
                                              "amount": "1000.00"})
    AllocationRule.objects.create(service="echo", kind="usage", usage_unit="echo")
    setup["console"].post("/finance/period/", {"period": PERIOD, "action": "close"})
    a, b = setup["a"], setup["b"]
    kaemmerei = host_client(a.host, person("finance", a))
    page = kaemmerei.get("/finance/").content.decode()
    assert "750,00" in page and "Burgheim" not in page
    for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("csv", b"\xef\xbb\xbf"), ("xrechnung", b"<?xml")):
        response = kaemmerei.get(f"/finance/download/{fmt}/?period={PERIOD}")
        assert response.status_code == 200 and response.content.startswith(magic), fmt
        assert b"Burgheim" not in response.content
    # Another town's finance: 403 at Amtsdorf; the town staff: 403 on the finance pages.
    assert host_client(a.host, person("finance", b)).get("/finance/").status_code == 403
    assert host_client(a.host, person("town_staff", a)).get("/finance/download/pdf/").status_code == 403
    # The town's finance cannot use the county's pages.
    assert host_client("kiverbund.localhost", person("finance", a)).get("/finance/").status_code == 403
