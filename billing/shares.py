"""An allocation key's shares in per cent, as people read and type them."""

from __future__ import annotations

from decimal import Decimal

from core.money import largest_remainder

CRITERIA = ("equal", "population", "usage")


def weight_percents(rule) -> dict[str, Decimal]:
    """The weighted mix's weights as per cent with one decimal place, summing to exactly 100 (all zero: zeros).

    The allocation normalises the weights, so ``1, 2, 3`` and ``0.167, 0.333, 0.5`` split alike; people see
    16.7 %, 33.3 % and 50 %. The rounding is the platform's largest-remainder rule, so the three add up.
    """
    weights = {criterion: Decimal(getattr(rule, f"weight_{criterion}") or 0) for criterion in CRITERIA}
    total = sum(weights.values())
    if not total:
        return {criterion: Decimal(0) for criterion in CRITERIA}
    # Tenths of a per cent are the cents of 10.00.
    tenths = largest_remainder(Decimal("10.00"), {c: w * 10 / total for c, w in weights.items()})
    return {criterion: plain((value * 10).quantize(Decimal("0.1"))) for criterion, value in tenths.items()}


def plain(value: Decimal) -> Decimal:
    """Without trailing zeros and never in exponent form: 30.000 → 30, 12.50 → 12.5."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def german_percent(value: Decimal) -> str:
    """``12.5`` → ``"12,5 %"`` (for the key's label in reports, which are German)."""
    return f"{plain(value)} %".replace(".", ",")
