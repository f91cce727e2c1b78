"""Money, written once: euros as ``Decimal``, rounding to the cent, splitting to the cent, German amounts.

Every amount the platform shows or charges goes through here — the catalogue's price preview, billing's
pool shares and price plans, the reports — so that a town's previewed share and its statement agree to
the cent.

* **Rounding** is commercial (``ROUND_HALF_UP``: 0.005 € → 0.01 €), the rule German invoices use; never
  Python's default banker's rounding.
* **Splitting** a total among participants uses the largest-remainder method (Hare–Niemeyer): each gets
  its exact share rounded down to the cent, the cents left over go one each to the largest remainders.
  **One tie-break rule**: equal remainders go in ascending order of the participants' keys (the AGS for
  towns), never by chance or by insertion order. The shares sum exactly to the total, are never negative,
  and each differs from its exact share by less than a cent.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(value: Decimal | int | str) -> Decimal:
    """``value`` in euros rounded commercially to the cent: 0.125 → 0.13, 2.675 → 2.68."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def is_cents(value: Decimal) -> bool:
    return Decimal(value) == Decimal(value).quantize(CENT)


def largest_remainder(total: Decimal, exact: Mapping[Hashable, Decimal]) -> dict:
    """Round exact shares to cents so that they sum to ``total`` (which must be whole cents).

    ``exact`` maps each participant's key to its unrounded share; the shares should sum to ``total``.
    Equal remainders are served in ascending key order (the platform's one tie-break rule).
    """
    total = Decimal(total)
    if not is_cents(total):
        raise ValueError("the total must be an amount in whole cents")
    if not exact:
        return {}
    if any(Decimal(v) < 0 for v in exact.values()):
        raise ValueError("a share cannot be negative")
    floors = {k: (Decimal(v) / CENT).to_integral_value(rounding=ROUND_FLOOR) for k, v in exact.items()}
    left = int(total / CENT - sum(floors.values()))
    if left < 0 or left > len(exact):
        raise ValueError("the exact shares do not add up to the total")
    order = sorted(exact, key=lambda k: (-(Decimal(exact[k]) / CENT - floors[k]), k))
    result = dict(floors)
    for k in order[:left]:
        result[k] += 1
    return {k: (whole * CENT).quantize(CENT) for k, whole in result.items()}


def split_by_weight(total: Decimal, weights: Mapping[Hashable, Decimal | int]) -> dict:
    """``total`` split in proportion to ``weights``, to the cent (all weights zero: equal shares)."""
    if not weights:
        return {}
    total = cents(total)
    values = {k: Decimal(w) for k, w in weights.items()}
    if any(v < 0 for v in values.values()):
        raise ValueError("weights cannot be negative")
    weight = sum(values.values())
    if not weight:
        values, weight = {k: Decimal(1) for k in values}, Decimal(len(values))
    return largest_remainder(total, {k: total * v / weight for k, v in values.items()})


def number(value: Decimal | int, places: int = 0) -> str:
    """German digits: 1234567.5 → '1.234.567,50' (places=2); rounded commercially."""
    value = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{value:,.{places}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def euro(amount: Decimal | int) -> str:
    """1234567.5 → '1.234.567,50 €'."""
    return f"{number(amount, 2)} €"


def rate_text(rate: Decimal) -> str:
    """A rate with the fractions of a cent it has: 0.5 → '0,50 €', 0.0125 → '0,0125 €'."""
    rate = Decimal(rate)
    places = max(2, min(4, -rate.normalize().as_tuple().exponent))
    return f"{number(rate, places)} €"
