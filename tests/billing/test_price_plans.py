"""Offerings priced as a base fee, per inhabitant or per usage unit are charged month by month, in every format."""

import csv
import datetime as dt
import io
import subprocess
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from lxml import etree
from openpyxl import load_workbook

from billing.actions import from_json
from billing.charges import monthly_instalment
from billing.metering import record_usage
from billing.models import AllocationRule, CostPool, Statement
from billing.reports.formats import euro
from catalog.models import PriceModel
from tests.xrechnung_rules import assert_accepted

MONTH = timezone.localdate().replace(day=1)
PERIOD = f"{MONTH:%Y-%m}"
NS = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}


@pytest.fixture
def plans(make_town, make_offering, offering, subscribe):
    """Four towns, one per price plan of the echo service; only Dornau shares the cost pool."""
    towns = {name: make_town(name, population=population, leitweg_id=leitweg, street="Marktplatz 1",
                             postcode="99998", city=name)
             for name, population, leitweg in [("Amtsdorf", 14250, "04011000-1234512345-06"),
                                               ("Burgheim", 6000, "04011000-2234512345-98"),
                                               ("Chorstadt", 2000, ""), ("Dornau", 9000, "")]}
    per_inhabitant = make_offering(price_model=PriceModel.PER_INHABITANT, amount=Decimal("0.50"))
    base_fee = make_offering(price_model=PriceModel.BASE_FEE, amount=Decimal("1200.00"))
    per_unit = make_offering(price_model=PriceModel.PER_UNIT, amount=Decimal("0.125"), unit="echo")
    subscribe(towns["Amtsdorf"], per_inhabitant)
    subscribe(towns["Burgheim"], base_fee)
    subscribe(towns["Chorstadt"], per_unit)
    subscribe(towns["Dornau"], offering)  # the cost-pool offering
    now = timezone.now()
    for i in range(30):
        record_usage(towns["Chorstadt"], "echo", "echo", 1, f"c-{i}", now)
    for i in range(4):
        record_usage(towns["Amtsdorf"], "echo", "echo", 1, f"a-{i}", now)
    CostPool.objects.create(service="echo", period=MONTH, category="hosting", amount=Decimal("500.00"))
    AllocationRule.objects.create(service="echo", kind="usage", usage_unit="echo")
    return towns


def statement(town) -> Statement:
    return Statement.objects.get(town=town, period__month=MONTH)


def test_each_price_plan_is_charged_next_to_the_pool_shares(plans):
    call_command("billing_run", period=PERIOD)
    amtsdorf = statement(plans["Amtsdorf"])
    # 0.50 € × 14,250 inhabitants = 7,125.00 € a year: 593.75 € a month, the same alone as in the Verbund.
    assert amtsdorf.total == Decimal("593.75") and amtsdorf.alone_total == Decimal("593.75")
    [line] = from_json(amtsdorf.data).lines
    assert line.charge == "per_inhabitant" and line.rate == Decimal("0.5")
    assert "je Einwohner" in line.key_label and "14.250 Einwohner" in line.key_label
    # Its own usage still counts as staff time saved: 4 echoes × 0.5 min = 2 min at 68 €/h.
    assert line.minutes_saved == 2 and amtsdorf.value_of_time == Decimal("2.27")
    burgheim = statement(plans["Burgheim"])
    assert burgheim.total == monthly_instalment(Decimal("1200.00"), MONTH) == Decimal("100.00")
    assert burgheim.alone_total == burgheim.total
    chorstadt = statement(plans["Chorstadt"])
    # 30 echoes × 0.125 € = 3.75 €; 30 × 0.5 min = 15 min = 17.00 € of staff time.
    assert chorstadt.total == Decimal("3.75") and chorstadt.value_of_time == Decimal("17.00")
    assert from_json(chorstadt.data).lines[0].usage == 30
    # The pool is shared only by the towns that took the cost-pool offering: Dornau alone.
    dornau = statement(plans["Dornau"])
    assert dornau.total == Decimal("500.00") and from_json(dornau.data).lines[0].charge == "pool"
    assert Statement.objects.count() == 4


def test_twelve_instalments_make_the_annual_amount_to_the_cent():
    for annual in (Decimal("1000.00"), Decimal("0.05"), Decimal("7124.99"), Decimal("12345678.91")):
        instalments = [monthly_instalment(annual, dt.date(2026, m, 1)) for m in range(1, 13)]
        assert sum(instalments) == annual
        assert max(instalments) - min(instalments) <= Decimal("0.01")
        assert all(i == i.quantize(Decimal("0.01")) and i >= 0 for i in instalments)
    assert [monthly_instalment(Decimal("1000.00"), dt.date(2026, m, 1)) for m in (1, 2, 3)] == [
        Decimal("83.33"), Decimal("83.34"), Decimal("83.33")]


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.parametrize("name, amount, label", [
    ("Amtsdorf", Decimal("593.75"), "je Einwohner und Jahr"),
    ("Burgheim", Decimal("100.00"), "Grundgebühr"),
])
def test_price_plans_agree_to_the_cent_in_every_format(plans, tmp_path, name, amount, label):
    call_command("billing_run", period=PERIOD, close=True)
    town = plans[name]
    paths = {}
    for fmt, suffix in (("pdf", "pdf"), ("umlage", "pdf"), ("xlsx", "xlsx"), ("csv", "csv"), ("xrechnung", "xml")):
        paths[fmt] = tmp_path / f"{fmt}.{suffix}"
        call_command("billing_report", town=town.ags, period=PERIOD, format=fmt, out=paths[fmt])
    rows = list(csv.DictReader(io.StringIO(paths["csv"].read_text("utf-8-sig")), delimiter=";"))
    assert [(Decimal(r["share_eur"]), r["pool_eur"], r["charge"]) for r in rows] == [
        (amount, "", "per_inhabitant" if name == "Amtsdorf" else "base_fee")]
    book = load_workbook(paths["xlsx"])
    assert Decimal(str(book["Übersicht"]["E2"].value)) == amount
    sheet = book["Echo test service"]
    assert Decimal(str(sheet["E2"].value)) == amount and sheet["D2"].value is None and label in sheet["C2"].value
    assert sheet["J2"].value in ("Je Einwohner", "Jahresgrundgebühr")
    for fmt in ("pdf", "umlage"):
        text = _pdf_text(paths[fmt])
        assert euro(amount) in text and label in text and "Fester Preis laut Angebot" in text
        assert "allein wie im Verbund gleich" in " ".join(text.split())
    assert_accepted(paths["xrechnung"].read_bytes())
    root = etree.parse(str(paths["xrechnung"])).getroot()
    assert Decimal(root.findtext(".//ram:DuePayableAmount", namespaces=NS)) == amount
    assert label in root.findtext(".//ram:SpecifiedTradeProduct/ram:Name", namespaces=NS)
    # The county's overview carries the same amount for the town.
    call_command("billing_report", county=True, period=PERIOD, format="xlsx", out=tmp_path / "k.xlsx")
    overview = load_workbook(tmp_path / "k.xlsx")["Übersicht"]
    by_town = {overview.cell(row=r, column=4).value: overview.cell(row=r, column=5).value for r in range(2, 6)}
    assert Decimal(str(by_town[name])) == amount


def test_a_per_unit_unit_the_service_does_not_meter_is_refused(plans, make_offering, make_town, subscribe):
    from django.core.management import CommandError

    subscribe(make_town("Eckdorf"), make_offering(price_model=PriceModel.PER_UNIT, amount=Decimal(1), unit="pages"))
    with pytest.raises(CommandError, match="pages"):
        call_command("billing_run", period=PERIOD)
