"""Defaults for billing, overridable in settings; cited where the UI shows them."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

# Personnel cost per staff hour used to value freed time. Default: a mid-level
# municipal administration post (TVöD E9) including overhead, in the range the
# KGSt publishes in its report "Kosten eines Arbeitsplatzes"; counties should
# set their own figure (BILLING_HOURLY_RATE).
DEFAULT_HOURLY_RATE = Decimal("68.00")
# Shown on the finance pages: where the figure comes from, in words (no setting names on pages).
HOURLY_RATE_SOURCE = gettext_lazy("KGSt report “Kosten eines Arbeitsplatzes”: staff costs of a TVöD E9 post "
                                  "including overhead (rounded); the county can set its own rate.")

USAGE_KEY_REASON = (
    "Werden Leistungen vertraglich bezogen, muss sich die Verteilung an der tatsächlichen Inanspruchnahme "
    "orientieren; eine rein einwohnerbezogene Umlage hat das Sächsische OVG verworfen (Urteil vom 30.03.2020, "
    "4 A 508/16). Nutzungsabhängige und gemischte Schlüssel bilden die Inanspruchnahme ab."
)

FIXED_PRICE_REASON = (
    "Fester Preis laut Angebot: Er hängt nicht davon ab, wie viele Gemeinden teilnehmen, und ist allein wie "
    "im Verbund gleich. Die zwölf Monatsbeträge eines Jahres ergeben zusammen genau den Jahresbetrag."
)
PER_UNIT_REASON = (
    "Preis je Nutzungseinheit laut Angebot: Die Gemeinde zahlt genau ihre gemessene Inanspruchnahme. "
    + USAGE_KEY_REASON
)


def hourly_rate() -> Decimal:
    return Decimal(str(getattr(settings, "BILLING_HOURLY_RATE", DEFAULT_HOURLY_RATE)))


def provider():
    from billing.reports.data import Party

    return Party(
        name=getattr(settings, "BILLING_PROVIDER_NAME", "KI-Verbund (Landkreis)"),
        street=getattr(settings, "BILLING_PROVIDER_STREET", ""),
        postcode=getattr(settings, "BILLING_PROVIDER_POSTCODE", ""),
        city=getattr(settings, "BILLING_PROVIDER_CITY", ""),
        email=getattr(settings, "BILLING_PROVIDER_EMAIL", ""),
        contact_name=getattr(settings, "BILLING_PROVIDER_CONTACT_NAME", ""),
        phone=getattr(settings, "BILLING_PROVIDER_PHONE", ""),
        iban=getattr(settings, "BILLING_PROVIDER_IBAN", ""),
        identifier=getattr(settings, "BILLING_PROVIDER_ID", ""),
        registration_id=getattr(settings, "BILLING_PROVIDER_REGISTRATION_ID", ""),
        vat_id=getattr(settings, "BILLING_PROVIDER_VAT_ID", ""),
        tax_number=getattr(settings, "BILLING_PROVIDER_TAX_NUMBER", ""),
    )


# Why a share carries no VAT, by category (EN 16931 BT-120); the code is the CEF VATEX list's (BT-121).
EXEMPTION_TEXTS = {
    "O": ("Nicht steuerbar: Kostenteilung zwischen juristischen Personen des öffentlichen Rechts im Rahmen "
          "hoheitlicher Zusammenarbeit (§ 2b UStG)", "VATEX-EU-O"),
    "E": ("Steuerfrei", ""),
}


@dataclass(frozen=True)
class TaxTreatment:
    category: str  # UNTDID 5305: O (not subject), E (exempt), S (standard rate)
    rate: Decimal  # per cent; 0 unless S
    exemption_reason: str = ""
    exemption_code: str = ""


def tax_treatment() -> TaxTreatment:
    category = str(getattr(settings, "BILLING_VAT_CATEGORY", "O")).strip().upper()
    if category not in ("O", "E", "S"):
        raise ImproperlyConfigured(f"BILLING_VAT_CATEGORY must be O, E or S, not {category!r}.")
    reason = str(getattr(settings, "BILLING_VAT_EXEMPTION_REASON", "") or "").strip()
    if category == "S":
        return TaxTreatment("S", Decimal(str(getattr(settings, "BILLING_VAT_RATE", "19"))))
    text, code = EXEMPTION_TEXTS[category]
    return TaxTreatment(category, Decimal(0), reason or text, code)


def payment_days() -> int:
    return int(getattr(settings, "BILLING_PAYMENT_DAYS", 30))


def legal_remedy() -> str:
    return str(getattr(settings, "BILLING_LEGAL_REMEDY", ""))
