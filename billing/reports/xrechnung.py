"""Each statement as an XRechnung (UN/CEFACT CII) e-invoice carrying the town's Leitweg-ID.

Built with drafthorse, which validates the XML against the EN 16931 CII schema
it ships before returning it. Cost sharing between public bodies is treated as
outside the scope of VAT (category "O", § 2b UStG); operators whose situation
differs set BILLING_VAT_* accordingly.
"""

from __future__ import annotations

from decimal import Decimal

from drafthorse.models.accounting import ApplicableTradeTax
from drafthorse.models.document import Document
from drafthorse.models.payment import PaymentMeans, PaymentTerms
from drafthorse.models.tradelines import LineItem

from billing.reports.data import StatementData

XRECHNUNG_GUIDELINE = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
SCHEMA = "FACTUR-X_EN16931"


class XRechnungError(ValueError):
    pass


def render_xrechnung(statement: StatementData, *, payment_days: int = 30) -> bytes:
    if not statement.leitweg_id:
        raise XRechnungError(f"{statement.town_name} hat keine Leitweg-ID; eine XRechnung braucht sie als "
                             f"Käuferreferenz. / The town has no Leitweg-ID.")
    if not statement.provider.email:
        raise XRechnungError("BILLING_PROVIDER_EMAIL fehlt (elektronische Adresse des Rechnungsstellers).")
    # The German rules (KoSIT, BR-DE-*) on top of EN 16931: seller address, contact and, for SEPA, the IBAN.
    missing = [name for name, value in (
        ("BILLING_PROVIDER_POSTCODE", statement.provider.postcode), ("BILLING_PROVIDER_CITY", statement.provider.city),
        ("BILLING_PROVIDER_CONTACT_NAME", statement.provider.contact_name),
        ("BILLING_PROVIDER_PHONE", statement.provider.phone), ("BILLING_PROVIDER_IBAN", statement.provider.iban),
    ) if not value]
    if missing:
        raise XRechnungError(f"Für eine XRechnung fehlen Angaben des Rechnungsstellers: {', '.join(missing)}. "
                             f"/ The seller's details are incomplete.")
    doc = Document()
    doc.context.guideline_parameter.id = XRECHNUNG_GUIDELINE
    doc.header.id = statement.number
    doc.header.type_code = "384" if statement.corrects else "380"  # corrected invoice / commercial invoice
    doc.header.issue_date_time = statement.issued
    doc.trade.agreement.buyer_reference = statement.leitweg_id
    seller = doc.trade.agreement.seller
    seller.name = statement.provider.name
    seller.address.line_one = statement.provider.street
    seller.address.postcode = statement.provider.postcode
    seller.address.city_name = statement.provider.city
    seller.address.country_id = statement.provider.country
    seller.electronic_address.uri_ID = ("EM", statement.provider.email)
    seller.contact.person_name = statement.provider.contact_name
    seller.contact.telephone.number = statement.provider.phone
    seller.contact.email.address = statement.provider.email
    buyer = doc.trade.agreement.buyer
    buyer.name = statement.buyer.name
    buyer.address.line_one = statement.buyer.street or statement.town_name
    buyer.address.postcode = statement.buyer.postcode
    buyer.address.city_name = statement.buyer.city or statement.town_name
    buyer.address.country_id = statement.buyer.country
    if statement.buyer.email:
        buyer.electronic_address.uri_ID = ("EM", statement.buyer.email)
    doc.trade.delivery.event.occurrence = statement.period_end
    settlement = doc.trade.settlement
    settlement.currency_code = "EUR"
    settlement.period.start = statement.period_start
    settlement.period.end = statement.period_end
    means = PaymentMeans()
    means.type_code = "58"  # SEPA credit transfer
    means.payee_account.iban = statement.provider.iban.replace(" ", "")
    settlement.payment_means.add(means)
    terms = PaymentTerms()
    terms.description = f"Zahlbar innerhalb von {payment_days} Tagen."
    settlement.terms.add(terms)
    total = Decimal("0.00")
    for number, line in enumerate(statement.lines, start=1):
        item = LineItem()
        item.document.line_id = str(number)
        item.product.name = (f"{line.service_name}: Anteil am Kostenpool ({line.key_label})" if line.is_pool_share
                             else f"{line.service_name}: {line.key_label}")
        item.agreement.net.amount = line.share
        item.delivery.billed_quantity = (Decimal("1"), "C62")  # one share
        item.settlement.trade_tax.type_code = "VAT"
        item.settlement.trade_tax.category_code = "O"
        item.settlement.monetary_summation.total_amount = line.share
        doc.trade.items.add(item)
        total += line.share
    tax = ApplicableTradeTax()
    tax.calculated_amount = Decimal("0.00")
    tax.basis_amount = total
    tax.type_code = "VAT"
    tax.category_code = "O"
    tax.exemption_reason = "Nicht steuerbar: Leistung im Rahmen der interkommunalen Zusammenarbeit (§ 2b UStG)"
    settlement.trade_tax.add(tax)
    summation = settlement.monetary_summation
    summation.line_total = total
    summation.charge_total = Decimal("0.00")
    summation.allowance_total = Decimal("0.00")
    summation.tax_basis_total = total
    summation.tax_total = (Decimal("0.00"), "EUR")
    summation.grand_total = total
    summation.due_amount = total
    return doc.serialize(schema=SCHEMA)
