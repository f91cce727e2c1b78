"""Billing runs through the real interfaces: commands, pools, rules, subscriptions, usage, reports."""

import csv
import io
import subprocess
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction
from django.utils import timezone
from lxml import etree
from openpyxl import load_workbook

from billing.actions import BillingError, correct_period, run_period
from billing.metering import record_usage
from billing.models import AllocationRule, BillingPeriod, CostPool, Statement
from billing.reports.formats import euro
from core.audit.models import AuditEntry
from tests.xrechnung_rules import assert_accepted

MONTH = timezone.localdate().replace(day=1)
PERIOD = f"{MONTH:%Y-%m}"


@pytest.fixture
def county(make_town, offering, subscribe):
    """Three subscribers with different usage, one town that did not subscribe."""
    towns = {name: make_town(name, population=population, leitweg_id=leitweg, street="Marktplatz 1",
                             postcode="99998", city=name)
             for name, population, leitweg in [("Amtsdorf", 12000, "04011000-1234512345-06"), ("Burgheim", 6000, ""),
                                               ("Chorstadt", 2000, ""), ("Dornau", 9000, "")]}
    for name in ("Amtsdorf", "Burgheim", "Chorstadt"):
        subscribe(towns[name], offering)
    now = timezone.now()
    for name, count in (("Amtsdorf", 30), ("Burgheim", 10)):
        for i in range(count):
            record_usage(towns[name], "echo", "echo", 1, f"{name}-{i}", now)
    CostPool.objects.create(service="echo", period=MONTH, category="licences", amount=Decimal("6000.00"))
    CostPool.objects.create(service="echo", period=MONTH, category="hosting", amount=Decimal("4000.01"))
    AllocationRule.objects.create(service="echo", kind="usage", usage_unit="echo")
    return towns


def shares(month=MONTH):
    return {s.town.name: s.total for s in Statement.objects.filter(period__month=month).select_related("town")}


def test_run_splits_the_pool_by_usage_among_subscribers_to_the_cent(county):
    call_command("billing_run", period=PERIOD)
    assert shares() == {"Amtsdorf": Decimal("7500.01"), "Burgheim": Decimal("2500.00"), "Chorstadt": Decimal("0.00")}
    assert sum(shares().values()) == Decimal("10000.01")
    amtsdorf = Statement.objects.get(town=county["Amtsdorf"])
    line = amtsdorf.data["lines"][0]
    assert line["key_label"] == "Nach Nutzung" and "4 A 508/16" in line["key_reason"]
    # 30 echoes × 0.5 minutes = 15 minutes of staff time at 68 €/h.
    assert Decimal(line["minutes_saved"]) == 15 and amtsdorf.value_of_time == Decimal("17.00")
    assert amtsdorf.alone_total == Decimal("10000.01")
    assert AuditEntry.objects.filter(action="billing.period.run").exists()


def test_a_run_is_idempotent_while_the_period_is_open(county):
    run_period(MONTH)
    first = {s.number: s.total for s in Statement.objects.all()}
    run_period(MONTH)
    assert {s.number: s.total for s in Statement.objects.all()} == first


def test_keys_change_the_split(county):
    AllocationRule.objects.filter(service="echo").update(kind="base_plus_usage", base_fraction=Decimal("0.300"))
    run_period(MONTH)
    # 30 % split equally (1000.00 each, +1 cent), 70 % by usage 3:1:0.
    assert shares() == {"Amtsdorf": Decimal("6250.01"), "Burgheim": Decimal("2750.00"), "Chorstadt": Decimal("1000.00")}
    AllocationRule.objects.filter(service="echo").update(kind="population")
    run_period(MONTH)
    assert shares() == {"Amtsdorf": Decimal("6000.01"), "Burgheim": Decimal("3000.00"), "Chorstadt": Decimal("1000.00")}


def test_a_pool_without_a_key_is_refused(county):
    AllocationRule.objects.all().delete()
    with pytest.raises(CommandError, match="kein Verteilschlüssel"):
        call_command("billing_run", period=PERIOD)
    assert not Statement.objects.exists()


def test_closing_makes_statements_final_and_corrections_reference_them(county):
    call_command("billing_run", period=PERIOD, close=True)
    assert BillingPeriod.objects.get(month=MONTH).status == "closed"
    with pytest.raises(CommandError, match="abgeschlossen"):
        call_command("billing_run", period=PERIOD)
    statement = Statement.objects.get(town=county["Amtsdorf"])
    with pytest.raises(DatabaseError, match="final"), transaction.atomic():
        Statement.objects.filter(pk=statement.pk).update(total=Decimal(1))
    # A late invoice for the month: a correction, not a change.
    CostPool.objects.create(service="echo", period=MONTH, category="staff", amount=Decimal("400.00"))
    made = correct_period(MONTH, actor="pytest")
    assert {s.town.name for s in made} == {"Amtsdorf", "Burgheim"}  # Chorstadt still pays nothing
    correction = next(s for s in made if s.town.name == "Amtsdorf")
    assert correction.corrects == statement and correction.number.endswith("-K1")
    assert correction.total == Decimal("7800.01")
    assert Statement.objects.get(pk=statement.pk).total == Decimal("7500.01")


def test_bad_periods_are_refused(db):
    with pytest.raises(CommandError, match="JJJJ-MM"):
        call_command("billing_run", period="2026-13")
    with pytest.raises(BillingError, match="abgeschlossen"):
        BillingPeriod.objects.create(month=MONTH, status="closed")
        run_period(MONTH)


def test_all_report_formats_agree_to_the_cent(county, tmp_path):
    call_command("billing_run", period=PERIOD, close=True)
    ags = county["Amtsdorf"].ags
    expected = Decimal("7500.01")
    paths = {}
    for fmt, suffix in (("pdf", "pdf"), ("xlsx", "xlsx"), ("csv", "csv"), ("xrechnung", "xml")):
        paths[fmt] = tmp_path / f"a.{suffix}"
        call_command("billing_report", town=ags, period=PERIOD, format=fmt, out=paths[fmt])
    rows = list(csv.DictReader(io.StringIO(paths["csv"].read_text("utf-8-sig")), delimiter=";"))
    assert sum(Decimal(r["share_eur"]) for r in rows) == expected
    book = load_workbook(paths["xlsx"])
    assert Decimal(str(book["Übersicht"]["E2"].value)) == expected
    assert Decimal(str(book["Echo test service"]["E2"].value)) == expected
    text = subprocess.run(["pdftotext", "-layout", str(paths["pdf"]), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert euro(expected) in text and "Amtsdorf" in text
    assert_accepted(paths["xrechnung"].read_bytes())
    root = etree.parse(str(paths["xrechnung"])).getroot()
    ns = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}
    assert Decimal(root.findtext(".//ram:DuePayableAmount", namespaces=ns)) == expected
    assert root.findtext(".//ram:BuyerReference", namespaces=ns) == "04011000-1234512345-06"


def test_county_reports_and_their_limits(county, tmp_path):
    with pytest.raises(CommandError, match="Abrechnungslauf"):
        call_command("billing_report", county=True, period=PERIOD, format="pdf", out=tmp_path / "x.pdf")
    call_command("billing_run", period=PERIOD)
    call_command("billing_report", county=True, period=PERIOD, format="xlsx", out=tmp_path / "k.xlsx")
    sheet = load_workbook(tmp_path / "k.xlsx")["Echo test service"]
    assert [sheet.cell(row=r, column=2).value for r in range(2, 5)] == ["Amtsdorf", "Burgheim", "Chorstadt"]
    assert sheet["E5"].value == "=SUM(E2:E4)"
    with pytest.raises(CommandError, match="je Gemeinde"):
        call_command("billing_report", county=True, period=PERIOD, format="xrechnung", out=tmp_path / "k.xml")
    with pytest.raises(CommandError, match="Leitweg-ID"):
        call_command("billing_report", town=county["Burgheim"].ags, period=PERIOD, format="xrechnung",
                     out=tmp_path / "b.xml")
    call_command("billing_report", town=county["Burgheim"].ags, period=PERIOD, format="umlage", out=tmp_path / "u.pdf")
    assert (tmp_path / "u.pdf").read_bytes().startswith(b"%PDF")

