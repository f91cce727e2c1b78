"""County finance enters a cost, chooses a key, runs and closes; a town's finance downloads only its own."""

import io
import subprocess
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from billing.metering import record_usage
from billing.models import AllocationRule, BillingPeriod, CostPool, EfficiencyOverride, Statement
from core.audit.models import AuditEntry
from identity.sync import sync_user_from_claims
from tests.xrechnung_rules import assert_accepted

from ..conftest import host_client

MONTH = timezone.localdate().replace(day=1)
PERIOD = f"{MONTH:%Y-%m}"


def person(role, town=None):
    return sync_user_from_claims({"preferred_username": f"{role}-{town.slug if town else 'kreis'}", "roles": [role],
                                  "organization": [town.slug] if town else [],
                                  "groups": [f"/towns/{town.slug}/{role}"] if town else []})


@pytest.fixture
def setup(make_town, offering, subscribe, console_host):
    a = make_town("Amtsdorf", population=12000, leitweg_id="04011000-1234512345-06", street="Marktplatz 1",
                  postcode="99998", city="Amtsdorf")
    b = make_town("Burgheim", population=6000)
    for town in (a, b):
        subscribe(town, offering)
    for i in range(3):
        record_usage(a, "echo", "echo", 1, f"a{i}", timezone.now())
    record_usage(b, "echo", "echo", 1, "b0", timezone.now())
    return {"a": a, "b": b, "console": host_client(console_host, person("county_finance"))}


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def xlsx_text(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content))
    return "\n".join(" ".join(str(cell) for cell in row if cell is not None)
                     for sheet in book for row in sheet.iter_rows(values_only=True))


def test_county_finance_journey(setup, queued_runs):
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
        "kind": "usage", "usage_unit": "echo", "base_percent": "30", "weight_equal": "0", "weight_population": "0",
        "weight_usage": "0", "preview": "1", "period": PERIOD})
    assert preview.status_code == 200 and "750,00" in preview.content.decode()
    assert not AllocationRule.objects.exists()
    console.post(f"/finance/rules/echo/?period={PERIOD}", {
        "kind": "usage", "usage_unit": "echo", "base_percent": "30", "weight_equal": "0", "weight_population": "0",
        "weight_usage": "0", "save": "1", "period": PERIOD})
    assert AllocationRule.objects.get().kind == "usage"
    # Closing queues the billing run (Celery task); the page answers at once and says so.
    with queued_runs() as queued:
        response = console.post("/finance/period/", {"period": PERIOD, "action": "close"}, follow=True)
        assert response.redirect_chain == [(f"/finance/?period={PERIOD}", 302)]
        assert "im Hintergrund gestartet" in response.content.decode()
        assert not Statement.objects.exists()
    assert len(queued) == 1
    assert BillingPeriod.objects.get(month=MONTH).status == "closed"
    assert {s.town.name: s.total for s in Statement.objects.all()} == {"Amtsdorf": Decimal("750.00"),
                                                                      "Burgheim": Decimal("250.00")}
    dashboard = console.get(f"/finance/?period={PERIOD}").content.decode()
    assert "Amtsdorf" in dashboard and "Burgheim" in dashboard and "<svg" in dashboard
    county_xlsx = console.get(f"/finance/download/xlsx/?period={PERIOD}")
    assert county_xlsx.status_code == 200 and county_xlsx.content[:2] == b"PK"


def test_town_finance_sees_and_downloads_only_its_own_town(setup, tmp_path):
    setup["console"].post("/finance/pools/", {"service": "echo", "month": PERIOD, "category": "licences",
                                              "amount": "1000.00"})
    AllocationRule.objects.create(service="echo", kind="usage", usage_unit="echo")
    call_command("billing_run", period=PERIOD, close=True)
    a, b = setup["a"], setup["b"]
    kaemmerei = host_client(a.host, person("finance", a))
    page = kaemmerei.get("/finance/").content.decode()
    assert "750,00" in page and "Burgheim" not in page
    # The dashboard: its own figures per month and per year as charts.
    assert 'aria-labelledby="months-title"' in page and 'aria-labelledby="years-title"' in page
    texts = {}
    for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("csv", b"\xef\xbb\xbf"), ("xrechnung", b"<?xml")):
        response = kaemmerei.get(f"/finance/download/{fmt}/?period={PERIOD}")
        assert response.status_code == 200 and response.content.startswith(magic), fmt
        if fmt == "xrechnung":
            assert_accepted(response.content)
        texts[fmt] = {"pdf": lambda c: pdf_text(c, tmp_path), "xlsx": xlsx_text}.get(
            fmt, lambda c: c.decode("utf-8-sig"))(response.content)
    # Read back as text (PDF and XLSX are compressed: a byte search would prove nothing).
    for fmt, text in texts.items():
        assert "Amtsdorf" in text and "Burgheim" not in text and b.ags not in text, fmt
    assert "750,00 €" in texts["pdf"] and "750" in texts["xlsx"] and "750.00" in texts["csv"]
    # The county's PDF, read back, does name both towns (the check above can fail).
    county_pdf = setup["console"].get(f"/finance/download/pdf/?period={PERIOD}").content
    assert {"Amtsdorf", "Burgheim"} <= set(pdf_text(county_pdf, tmp_path).split())
    # Another town's finance: 403 at Amtsdorf; the town staff: 403 on the finance pages.
    assert host_client(a.host, person("finance", b)).get("/finance/").status_code == 403
    assert host_client(a.host, person("town_staff", a)).get("/finance/download/pdf/").status_code == 403
    # The town's finance cannot use the county's pages.
    assert host_client("kiverbund.localhost", person("finance", a)).get("/finance/").status_code == 403


def test_county_finance_sets_a_towns_minutes_saved_and_the_statement_follows(setup):
    console, a = setup["console"], setup["a"]
    CostPool.objects.create(service="echo", period=MONTH, category="staff", amount=Decimal("100.00"))
    AllocationRule.objects.create(service="echo", kind="usage", usage_unit="echo")
    call_command("billing_run", period=PERIOD)
    # 3 echoes × 0.5 minutes (the echo descriptor) = 1.5 minutes at 68 €/h.
    assert Statement.objects.get(town=a).value_of_time == Decimal("1.70")
    page = console.get(f"/finance/?period={PERIOD}").content.decode()
    assert 'name="minutes_saved"' in page
    response = console.post("/finance/", {"period": PERIOD, "town": a.ags, "service": "echo", "unit": "echo",
                                          "minutes_saved": "20", "override": "1"}, follow=True)
    assert response.redirect_chain[-1][0].startswith(f"/finance/?period={PERIOD}")
    assert EfficiencyOverride.objects.get(town=a).minutes_saved == Decimal("20")
    assert AuditEntry.objects.get(action="billing.efficiency_override.set").actor == "county_finance-kreis"
    call_command("billing_run", period=PERIOD)
    # 3 × 20 minutes = 1 hour = 68.00 €; Burgheim keeps the default.
    assert Statement.objects.get(town=a).value_of_time == Decimal("68.00")
    assert Statement.objects.get(town=setup["b"]).value_of_time == Decimal("0.57")
    page = console.get(f"/finance/?period={PERIOD}").content.decode()
    assert "20,00" in page
    # An unknown unit is refused with a message; removing restores the default.
    console.post("/finance/", {"period": PERIOD, "town": a.ags, "service": "echo", "unit": "pages",
                               "minutes_saved": "5", "override": "1"})
    assert EfficiencyOverride.objects.get(town=a).minutes_saved == Decimal("20")
    console.post("/finance/", {"period": PERIOD, "remove": EfficiencyOverride.objects.get().pk})
    assert not EfficiencyOverride.objects.exists()
    assert AuditEntry.objects.filter(action="billing.efficiency_override.removed").exists()
    # The town's own finance cannot post to the county page.
    assert host_client("kiverbund.localhost", person("finance", a)).post("/finance/", {
        "town": a.ags, "service": "echo", "unit": "echo", "minutes_saved": "1"}).status_code == 403
