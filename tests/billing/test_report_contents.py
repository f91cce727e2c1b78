"""What finance reads: the key and its reasoning in the reports, and the multi-year view."""

import csv
import datetime as dt
import io
import subprocess
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from billing.actions import correct_period
from billing.metering import record_usage
from billing.models import AllocationRule, CostPool
from billing.periods import month_span
from billing.views.county import yearly_totals
from catalog.models import Subscription
from identity.sync import sync_user_from_claims

from ..conftest import host_client

THIS_MONTH = timezone.localdate().replace(day=1)
LAST_YEAR_NOV, LAST_YEAR_DEC = dt.date(THIS_MONTH.year - 1, 11, 1), dt.date(THIS_MONTH.year - 1, 12, 1)
OVG = "Sächsische OVG verworfen (Urteil vom 30.03.2020, 4 A 508/16)"


def text_of_pdf(path) -> str:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return " ".join(text.split())  # the reasoning wraps over lines


@pytest.fixture
def towns(make_town, offering, subscribe):
    a, b = make_town("Amtsdorf", population=3000), make_town("Burgheim", population=1000)
    for town in (a, b):
        subscribe(town, offering)
    # Subscribed since before the first month billed here.
    start, _ = month_span(LAST_YEAR_NOV)
    Subscription.objects.update(activated_at=start)
    return a, b


@pytest.mark.parametrize("kind, label, reason", [
    ("usage", "Nach Nutzung", "Nutzungsabhängige und gemischte Schlüssel bilden die Inanspruchnahme ab."),
    ("population", "Nach Einwohnern", "Verteilung nach Einwohnerzahl. Hinweis:"),
    ("base_plus_usage", "Sockel plus Nutzung (30 % gleich, Rest nach Nutzung)", "Werden Leistungen vertraglich"),
])
def test_every_report_states_the_key_and_why(towns, tmp_path, kind, label, reason):
    a, _b = towns
    record_usage(a, "echo", "echo", 3, "a", timezone.now())
    CostPool.objects.create(service="echo", period=THIS_MONTH, category="staff", amount=Decimal("90.00"))
    AllocationRule.objects.create(service="echo", kind=kind, usage_unit="echo", base_fraction=Decimal("0.3"))
    period = f"{THIS_MONTH:%Y-%m}"
    call_command("billing_run", period=period)
    for fmt in ("pdf", "umlage"):
        call_command("billing_report", town=a.ags, period=period, format=fmt, out=tmp_path / f"{fmt}.pdf")
        text = text_of_pdf(tmp_path / f"{fmt}.pdf")
        assert "Zum Verteilschlüssel" in text and label in text and reason in text and OVG in text, fmt
    call_command("billing_report", town=a.ags, period=period, format="xlsx", out=tmp_path / "a.xlsx")
    assert load_workbook(tmp_path / "a.xlsx")["Echo test service"]["C2"].value == label
    call_command("billing_report", town=a.ags, period=period, format="csv", out=tmp_path / "a.csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "a.csv").read_text("utf-8-sig")), delimiter=";"))
    assert [r["allocation_key"] for r in rows] == [label]


def test_the_multi_year_view_sums_each_year_with_the_newest_correction(towns, console_host):
    a, b = towns
    for month, count in ((LAST_YEAR_NOV, 60), (LAST_YEAR_DEC, 30), (THIS_MONTH, 12)):
        start, _ = month_span(month)
        for i in range(count):
            record_usage(a, "echo", "echo", 1, f"{month:%Y-%m}-{i}", start + dt.timedelta(hours=1))
    AllocationRule.objects.create(service="echo", kind="population")
    for month, amount in ((LAST_YEAR_NOV, "400.00"), (LAST_YEAR_DEC, "200.00"), (THIS_MONTH, "100.00")):
        CostPool.objects.create(service="echo", period=month, category="staff", amount=Decimal(amount))
        call_command("billing_run", period=f"{month:%Y-%m}", close=month != THIS_MONTH)
    # A late cost for November: the correction, not the original, counts in the year.
    CostPool.objects.create(service="echo", period=LAST_YEAR_NOV, category="overhead", amount=Decimal("40.00"))
    assert len(correct_period(LAST_YEAR_NOV, actor="pytest")) == 2
    # Amtsdorf has 3/4 of the population: 330 + 150 last year, 75 this year. Time: 0.5 min per echo at 68 €/h.
    assert yearly_totals(a) == [
        {"year": LAST_YEAR_NOV.year, "total": Decimal("480.00"), "value": Decimal("51.00"), "net": Decimal("-429.00")},
        {"year": THIS_MONTH.year, "total": Decimal("75.00"), "value": Decimal("6.80"), "net": Decimal("-68.20")},
    ]
    county = yearly_totals()
    assert [(y["year"], y["total"]) for y in county] == [(LAST_YEAR_NOV.year, Decimal("640.00")),
                                                          (THIS_MONTH.year, Decimal("100.00"))]
    finance = sync_user_from_claims({"preferred_username": f"finance-{a.slug}", "roles": ["finance"], "organization": [a.slug],
                                        "groups": [f"/towns/{a.slug}/finance"]})
    page = host_client(a.host, finance).get("/finance/").content.decode()
    assert "Über die Jahre" in page and "480,00 €" in page and "-429,00 €" in page
    # The month chart has one bar pair per month, oldest first; the year chart one per year.
    assert page.index(f"{LAST_YEAR_NOV:%m/%Y}</text>") < page.index(f"{THIS_MONTH:%m/%Y}</text>")
    assert f">{LAST_YEAR_NOV.year}</text>" in page and f">{THIS_MONTH.year}</text>" in page
