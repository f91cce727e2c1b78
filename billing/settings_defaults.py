"""Defaults for billing, overridable in settings; cited where the UI shows them."""

from decimal import Decimal

from django.conf import settings

# Personnel cost per staff hour used to value freed time. Default: a mid-level
# municipal administration post (TVöD E9) including overhead, in the range the
# KGSt publishes in its report "Kosten eines Arbeitsplatzes"; counties should
# set their own figure (BILLING_HOURLY_RATE).
DEFAULT_HOURLY_RATE = Decimal("68.00")
HOURLY_RATE_SOURCE = ("KGSt-Bericht „Kosten eines Arbeitsplatzes“, Personalkosten E9 TVöD einschließlich "
                      "Gemeinkosten (gerundet); im Verbund anpassbar über BILLING_HOURLY_RATE")

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
    )
