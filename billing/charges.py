"""Price plans that are not a cost-pool share: annual base fee, per inhabitant, per usage unit.

The catalogue promises a town these amounts (``catalog.pricing.cost_preview``);
a billing run charges them month by month to every town subscribed in that
month, as statement lines next to the pool shares. All arithmetic is Decimal,
amounts are whole cents.

Annual amounts are charged in twelve instalments whose sum is exactly the
annual amount: month *m* is charged ``round(annual × m / 12) − round(annual × (m − 1) / 12)``,
so no cent is lost or gained over a year (1,000.00 € gives 83.33, 83.34, 83.33, …).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from billing.settings_defaults import FIXED_PRICE_REASON, PER_UNIT_REASON
from core.money import cents, number, rate_text

# The values of catalog.models.PriceModel that billing charges as a price, not as a pool share.
BASE_FEE, PER_INHABITANT, PER_UNIT, COST_POOL = "base_fee", "per_inhabitant", "per_unit", "cost_pool"
PRICE_PLANS = (BASE_FEE, PER_INHABITANT, PER_UNIT)


def monthly_instalment(annual: Decimal, month: dt.date) -> Decimal:
    """The month's twelfth of ``annual``; the twelve instalments of a year sum to ``cents(annual)``."""
    annual = cents(annual)
    return cents(annual * month.month / 12) - cents(annual * (month.month - 1) / 12)


@dataclass(frozen=True)
class Charge:
    amount: Decimal  # to the cent
    label: str  # the price plan, for people (German, like the reports)
    reason: str


def charge(price_model: str, rate: Decimal, month: dt.date, *, population: int = 0,
           usage: Decimal = Decimal(0), unit_name: str = "") -> Charge:
    """What a town pays for one month of an offering with a fixed price plan."""
    rate = Decimal(rate)
    if price_model == BASE_FEE:
        return Charge(monthly_instalment(rate, month),
                      f"Grundgebühr {rate_text(rate)} pro Jahr, monatlich ein Zwölftel", FIXED_PRICE_REASON)
    if price_model == PER_INHABITANT:
        return Charge(monthly_instalment(rate * population, month),
                      f"{rate_text(rate)} je Einwohner und Jahr × {number(Decimal(population))} Einwohner, "
                      f"monatlich ein Zwölftel", FIXED_PRICE_REASON)
    if price_model == PER_UNIT:
        return Charge(cents(rate * usage), f"{rate_text(rate)} je {unit_name or 'Einheit'} × Nutzung",
                      PER_UNIT_REASON)
    raise ValueError(f"not a price plan: {price_model}")
