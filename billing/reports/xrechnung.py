"""Each final statement as an XRechnung (UN/CEFACT CII) e-invoice carrying the town's Leitweg-ID.

Built with drafthorse, which validates the XML against the EN 16931 CII schema it ships; the tests run the
official EN 16931 and XRechnung business rules over every invoice they make. Cost sharing between public
bodies is by default outside the scope of VAT (category "O", § 2b UStG); operators whose situation differs
set BILLING_VAT_CATEGORY ("E" exempt, "S" standard rate) and BILLING_VAT_RATE / BILLING_VAT_EXEMPTION_REASON.
An invoice that would break a rule is refused with a message naming what is missing, never written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from drafthorse.models.accounting import ApplicableTradeTax
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import TaxRegistration
from drafthorse.models.payment import PaymentMeans, PaymentTerms
from drafthorse.models.tradelines import LineItem

from billing.reports.data import StatementData
from billing.settings_defaults import TaxTreatment
from core.money import cents, euro

XRECHNUNG_GUIDELINE = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
SCHEMA = "FACTUR-X_EN16931"


class XRechnungError(ValueError):
    pass


def _check(statement: StatementData, tax: TaxTreatment) -> None:
    problems = []
    if statement.draft:
        problems.append("Der Zeitraum ist noch offen: Eine XRechnung gibt es erst für abgeschlossene Zeiträume. "
                        "/ The period is still open: no e-invoice for a draft.")
    if not statement.leitweg_id:
        problems.append(f"{statement.town_name} hat keine Leitweg-ID; eine XRechnung braucht sie als "
                        f"Käuferreferenz. / The town has no Leitweg-ID.")
    buyer = statement.buyer
    if not (buyer.street and buyer.postcode and buyer.city):
        problems.append(f"Für {statement.town_name} fehlt die Postanschrift (Straße, PLZ, Ort); in der Konsole bei "
                        f"der Gemeinde eintragen. / The town's postal address is missing.")
    seller = statement.provider
    missing = [name for name, value in (
        ("BILLING_PROVIDER_EMAIL", seller.email), ("BILLING_PROVIDER_STREET", seller.street),
        ("BILLING_PROVIDER_POSTCODE", seller.postcode), ("BILLING_PROVIDER_CITY", seller.city),
        ("BILLING_PROVIDER_CONTACT_NAME", seller.contact_name), ("BILLING_PROVIDER_PHONE", seller.phone),
        ("BILLING_PROVIDER_IBAN", seller.iban),
    ) if not value]
    # BR-CO-26: towns identify the seller by an identifier, a legal registration or a VAT id.
    vat_id = seller.vat_id if tax.category != "O" else ""
    if not (seller.identifier or seller.registration_id or vat_id):
        missing.append("BILLING_PROVIDER_ID" + (" / BILLING_PROVIDER_VAT_ID" if tax.category != "O" else ""))
    # BR-S-02, BR-E-02: a taxed or exempt invoice names the seller's VAT id or tax number.
    if tax.category in ("S", "E") and not (seller.vat_id or seller.tax_number):
        missing.append("BILLING_PROVIDER_VAT_ID / BILLING_PROVIDER_TAX_NUMBER")
    if missing:
        problems.append(f"Für eine XRechnung fehlen Angaben des Rechnungsstellers: {', '.join(missing)}. "
                        f"/ The seller's details are incomplete.")
    if problems:
        raise XRechnungError(" ".join(problems))


def render_xrechnung(statement: StatementData, *, tax: TaxTreatment | None = None,
                     payment_days: int | None = None) -> bytes:
    from billing.settings_defaults import payment_days as default_days
    from billing.settings_defaults import tax_treatment

    tax = tax or tax_treatment()
    payment_days = default_days() if payment_days is None else payment_days
    _check(statement, tax)
    doc = Document()
    doc.context.guideline_parameter.id = XRECHNUNG_GUIDELINE
    doc.header.id = statement.number
    doc.header.type_code = "384" if statement.corrects else "380"  # corrected invoice / commercial invoice
    doc.header.issue_date_time = statement.issued
    if statement.corrects:
        note = IncludedNote()
        note.content = f"Korrektur der Abrechnung {statement.corrects}"
        doc.header.notes.add(note)
    doc.trade.agreement.buyer_reference = statement.leitweg_id
    seller = doc.trade.agreement.seller
    provider = statement.provider
    if provider.identifier:
        seller.id = provider.identifier
    seller.name = provider.name
    if provider.registration_id:
        seller.legal_organization.id = provider.registration_id  # no scheme: a national register number
    seller.address.line_one = provider.street
    seller.address.postcode = provider.postcode
    seller.address.city_name = provider.city
    seller.address.country_id = provider.country
    seller.electronic_address.uri_ID = ("EM", provider.email)
    seller.contact.person_name = provider.contact_name
    seller.contact.telephone.number = provider.phone
    seller.contact.email.address = provider.email
    # BR-O-02: an invoice outside the scope of VAT names no VAT id.
    if provider.vat_id and tax.category != "O":
        registration = TaxRegistration()
        registration.id = ("VA", provider.vat_id)
        seller.tax_registrations.add(registration)
    if provider.tax_number and tax.category != "O":
        registration = TaxRegistration()
        registration.id = ("FC", provider.tax_number)
        seller.tax_registrations.add(registration)
    buyer = doc.trade.agreement.buyer
    buyer.name = statement.buyer.name
    buyer.address.line_one = statement.buyer.street
    buyer.address.postcode = statement.buyer.postcode
    buyer.address.city_name = statement.buyer.city
    buyer.address.country_id = statement.buyer.country
    if statement.buyer.email:
        buyer.electronic_address.uri_ID = ("EM", statement.buyer.email)
    doc.trade.delivery.event.occurrence = statement.period_end
    settlement = doc.trade.settlement
    settlement.currency_code = "EUR"
    if statement.corrects:  # BT-25: the invoice this one corrects
        settlement.invoice_referenced_document.issuer_assigned_id = statement.corrects
    settlement.period.start = statement.period_start
    settlement.period.end = statement.period_end
    means = PaymentMeans()
    means.type_code = "58"  # SEPA credit transfer
    means.payee_account.iban = provider.iban.replace(" ", "")
    settlement.payment_means.add(means)
    total = sum((line.share for line in statement.lines), Decimal("0.00"))
    tax_amount = cents(total * tax.rate / 100) if tax.category == "S" else Decimal("0.00")
    due = statement.issued + dt.timedelta(days=payment_days)
    terms = PaymentTerms()
    terms.description = (f"Zahlbar bis {due:%d.%m.%Y} ({payment_days} Tage) ohne Abzug: {euro(total + tax_amount)} "
                         f"auf IBAN {provider.iban}, Verwendungszweck {statement.number}.")
    terms.due = due
    settlement.terms.add(terms)
    for number, line in enumerate(statement.lines, start=1):
        item = LineItem()
        item.document.line_id = str(number)
        item.product.name = (f"{line.service_name}: Anteil am Kostenpool ({line.key_label})" if line.is_pool_share
                             else f"{line.service_name}: {line.key_label}")
        item.agreement.net.amount = line.share
        item.delivery.billed_quantity = (Decimal("1"), "C62")  # one share
        item.settlement.trade_tax.type_code = "VAT"
        item.settlement.trade_tax.category_code = tax.category
        if tax.category != "O":  # BR-O-05: no rate on a line outside the scope of VAT
            item.settlement.trade_tax.rate_applicable_percent = tax.rate
        item.settlement.monetary_summation.total_amount = line.share
        doc.trade.items.add(item)
    breakdown = ApplicableTradeTax()
    breakdown.calculated_amount = tax_amount
    breakdown.basis_amount = total
    breakdown.type_code = "VAT"
    breakdown.category_code = tax.category
    # BR-DE-14: the breakdown names its rate, also when it is zero.
    breakdown.rate_applicable_percent = tax.rate
    if tax.category != "S":
        breakdown.exemption_reason = tax.exemption_reason
        if tax.exemption_code:
            breakdown.exemption_reason_code = tax.exemption_code
    settlement.trade_tax.add(breakdown)
    summation = settlement.monetary_summation
    summation.line_total = total
    summation.charge_total = Decimal("0.00")
    summation.allowance_total = Decimal("0.00")
    summation.tax_basis_total = total
    summation.tax_total = (tax_amount, "EUR")
    summation.grand_total = total + tax_amount
    summation.due_amount = total + tax_amount
    return doc.serialize(schema=SCHEMA)
