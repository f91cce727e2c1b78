"""Every format says the same to the cent; XRechnung passes the schema and the EN 16931 / XRechnung rules."""

import csv
import datetime as dt
import io
from dataclasses import replace
from decimal import Decimal

import pytest
from lxml import etree
from openpyxl import load_workbook

from billing.reports.csv_report import render_csv
from billing.reports.data import Line, Party, StatementData
from billing.reports.formats import euro
from billing.reports.pdf_report import render_pdf
from billing.reports.xlsx_report import render_xlsx
from billing.reports.xrechnung import XRechnungError, render_xrechnung
from billing.settings_defaults import EXEMPTION_TEXTS, TaxTreatment
from tests.xrechnung_rules import assert_accepted

PROVIDER = Party("Zweckverband KI-Verbund Musterland", "Landratsamtstraße 1", "99999", "Musterhausen",
                 email="rechnung@kiverbund.example", contact_name="Kreiskasse", phone="+49 9999 1234-0",
                 iban="DE02 1203 0000 0000 2020 51", identifier="KV-MUSTERLAND-01")


def statement(**changes) -> StatementData:
    values = dict(
        number="KV-2026-11-09999111", period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30),
        issued=dt.date(2026, 12, 2), town_name="Musterstadt", ags="09999111", population=14250,
        leitweg_id="09999111-0001-27", provider=PROVIDER, buyer=Party("Stadt Musterstadt", "Marktplatz 1", "99998", "Musterstadt"),
        hourly_rate=Decimal("60.00"), alone_total=Decimal("3400.00"),
        lines=(
            Line("chatbot", "Bürger-Chatbot", "Nutzung", "Nutzungsabhängig (Sächs. OVG, 4 A 508/16).",
                 Decimal("10000.00"), Decimal("1234.57"), Decimal(1200), "Antworten", Decimal(4800),
                 Decimal("4800.00")),
            Line("roads", "Straßenzustand", "Einwohner", "Nach Einwohnern.", Decimal("5000.00"),
                 Decimal("987.66"), Decimal(0), "Bilder", Decimal(0), Decimal("0.00")),
        ),
    )
    values.update(changes)
    return StatementData(**values)


def test_totals_and_benefit():
    s = statement()
    assert s.total == Decimal("2222.23")
    assert s.net_benefit == Decimal("2577.77")
    assert s.cost_per_inhabitant == Decimal("0.16")
    assert s.saving_in_verbund == Decimal("1177.77")
    assert euro(Decimal("1234567.5")) == "1.234.567,50 €"


def test_csv_rows_sum_to_the_statement():
    rows = list(csv.DictReader(io.StringIO(render_csv([statement()]).decode("utf-8-sig")), delimiter=";"))
    assert [r["service"] for r in rows] == ["chatbot", "roads"]
    assert sum(Decimal(r["share_eur"]) for r in rows) == statement().total


def test_xlsx_has_a_sheet_per_service_and_formula_totals():
    book = load_workbook(io.BytesIO(render_xlsx([statement()])))
    assert book.sheetnames == ["Übersicht", "Bürger-Chatbot", "Straßenzustand"]
    chatbot = book["Bürger-Chatbot"]
    assert chatbot["E2"].value == Decimal("1234.57") or chatbot["E2"].value == 1234.57
    assert chatbot["E3"].value == "=SUM(E2:E2)"
    assert book["Übersicht"]["G2"].value == "=F2-E2"


def test_pdf_is_german(tmp_path):
    pdf = render_pdf([statement()], title="Kostenaufteilung")
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf, tmp_path)
    assert "1.234,57 €" in text and "2.222,23 €" in text and "30.11.2026" in text
    assert "Nettonutzen" in text and "Leitweg-ID" in text
    assert "Umlagebescheid" in _pdf_text(render_pdf([statement()], title="Umlage", umlage=True), tmp_path)


def _pdf_text(pdf: bytes, tmp_path) -> str:
    import shutil
    import subprocess

    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "s.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("tax", [
    TaxTreatment("O", Decimal(0), EXEMPTION_TEXTS["O"][0], EXEMPTION_TEXTS["O"][1]),
    TaxTreatment("E", Decimal(0), "Steuerfrei nach § 4 Nr. 29 UStG"),
    TaxTreatment("S", Decimal(19)),
], ids=["not-taxable", "exempt", "standard-rate"])
def test_xrechnung_passes_the_official_business_rules(tax):
    """What invoice portals check: EN 16931 (BR-CO-26 seller id, …) and the German CIUS (BR-DE-9, BR-DE-14, …)."""
    provider = replace(PROVIDER, tax_number="201/113/40209") if tax.category != "O" else PROVIDER
    xml = render_xrechnung(statement(provider=provider), tax=tax)
    assert_accepted(xml)
    root = etree.fromstring(xml)
    ns = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}
    due = Decimal(root.findtext(".//ram:DuePayableAmount", namespaces=ns))
    assert due == (statement().total * Decimal("1.19")).quantize(Decimal("0.01")) if tax.category == "S" else (
        due == statement().total)


def test_a_corrected_invoice_passes_the_rules_too():
    assert_accepted(render_xrechnung(statement(number="KV-2026-11-09999111-K1", corrects="KV-2026-11-09999111")))


def test_the_old_demo_invoice_broke_the_rules_the_new_one_keeps():
    """Without a seller identifier and a buyer post code, the rules refuse it; the renderer refuses first."""
    from tests.xrechnung_rules import broken_rules

    xml = render_xrechnung(statement())
    broken = broken_rules(xml.replace(b"<ram:PostcodeCode>99998</ram:PostcodeCode>", b""))
    assert any(rule.startswith("BR-DE-9") for rule in broken)
    with pytest.raises(XRechnungError, match="Postanschrift"):
        render_xrechnung(statement(buyer=Party("Stadt Musterstadt", city="Musterstadt")))
    with pytest.raises(XRechnungError, match="BILLING_PROVIDER_ID"):
        render_xrechnung(statement(provider=replace(PROVIDER, identifier="")))
    with pytest.raises(XRechnungError, match="BILLING_PROVIDER_VAT_ID / BILLING_PROVIDER_TAX_NUMBER"):
        render_xrechnung(statement(), tax=TaxTreatment("S", Decimal(19)))
    with pytest.raises(XRechnungError, match="noch offen"):
        render_xrechnung(statement(draft=True))


def test_xrechnung_is_valid_and_carries_the_leitweg_id():
    xml = render_xrechnung(statement())
    root = etree.fromstring(xml)
    ns = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
          "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"}
    assert root.findtext(".//ram:BuyerReference", namespaces=ns) == "09999111-0001-27"
    assert root.findtext(".//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", namespaces=ns).endswith(
        "xrechnung_3.0")
    assert Decimal(root.findtext(".//ram:DuePayableAmount", namespaces=ns)) == statement().total
    line_totals = [Decimal(e.text) for e in root.iterfind(".//ram:LineTotalAmount", namespaces=ns)]
    assert sum(line_totals[:-1]) == line_totals[-1] == statement().total


def test_xrechnung_carries_what_the_german_rules_ask_of_the_seller():
    """BR-DE-2/5/6/7: the seller's contact with name, phone and e-mail; BR-DE-23: SEPA transfer names the IBAN."""
    root = etree.fromstring(render_xrechnung(statement()))
    ns = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}
    contact = root.find(".//ram:SellerTradeParty/ram:DefinedTradeContact", namespaces=ns)
    assert contact.findtext("ram:PersonName", namespaces=ns) == "Kreiskasse"
    assert contact.findtext("ram:TelephoneUniversalCommunication/ram:CompleteNumber", namespaces=ns) == (
        "+49 9999 1234-0")
    assert contact.findtext("ram:EmailURIUniversalCommunication/ram:URIID", namespaces=ns) == (
        "rechnung@kiverbund.example")
    means = root.find(".//ram:SpecifiedTradeSettlementPaymentMeans", namespaces=ns)
    assert means.findtext("ram:TypeCode", namespaces=ns) == "58"
    assert means.findtext("ram:PayeePartyCreditorFinancialAccount/ram:IBANID", namespaces=ns) == (
        "DE02120300000000202051")


@pytest.mark.parametrize("missing", ["contact_name", "phone", "iban", "city"])
def test_xrechnung_refuses_an_incomplete_seller(missing):
    with pytest.raises(XRechnungError, match="fehlen Angaben des Rechnungsstellers"):
        render_xrechnung(statement(provider=replace(PROVIDER, **{missing: ""})))


def test_xrechnung_needs_a_leitweg_id():
    with pytest.raises(XRechnungError, match="Leitweg-ID"):
        render_xrechnung(statement(leitweg_id=""))
