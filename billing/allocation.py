"""Splitting a cost pool among towns, to the cent.

All arithmetic is in ``Decimal``. A split first computes each town's exact
(unrounded) share from the allocation key, then rounds with the platform's one
largest-remainder rule (``core.money``, which the catalogue's price preview
uses too): every town gets its share rounded down to the cent, and the cents
left over go one each to the towns with the largest remainders. So the shares

* sum exactly to the pool,
* are never negative,
* are deterministic (ties are broken by the town's key, the AGS, never by chance), and
* never differ from the exact share by a cent or more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from core.money import CENT, largest_remainder

__all__ = ["CENT", "AllocationKey", "KeyKind", "Participant", "exact_shares", "largest_remainder", "split"]


class KeyKind(StrEnum):
    EQUAL = "equal"  # every participating town the same
    POPULATION = "population"  # by inhabitants
    USAGE = "usage"  # by measured usage
    BASE_PLUS_USAGE = "base_plus_usage"  # a share split equally, the rest by usage
    WEIGHTED = "weighted"  # a weighted mix of equal, population and usage


@dataclass(frozen=True)
class Participant:
    key: str  # a stable identifier (the AGS): decides ties
    population: int = 0
    usage: Decimal = Decimal(0)


@dataclass(frozen=True)
class AllocationKey:
    kind: KeyKind
    # BASE_PLUS_USAGE: the fraction of the pool split equally (0..1); the rest goes by usage.
    base_fraction: Decimal = Decimal("0.3")
    # WEIGHTED: weights of the three criteria (need not sum to 1; they are normalised).
    weights: Mapping[str, Decimal] = field(default_factory=lambda: {"equal": Decimal(1)})

    def criterion_weights(self) -> dict[str, Decimal]:
        if self.kind == KeyKind.EQUAL:
            return {"equal": Decimal(1)}
        if self.kind == KeyKind.POPULATION:
            return {"population": Decimal(1)}
        if self.kind == KeyKind.USAGE:
            return {"usage": Decimal(1)}
        if self.kind == KeyKind.BASE_PLUS_USAGE:
            if not Decimal(0) <= self.base_fraction <= Decimal(1):
                raise ValueError("base_fraction must lie between 0 and 1")
            return {"equal": self.base_fraction, "usage": Decimal(1) - self.base_fraction}
        weights = {name: Decimal(value) for name, value in self.weights.items()}
        unknown = set(weights) - {"equal", "population", "usage"}
        if unknown:
            raise ValueError(f"unknown criteria: {', '.join(sorted(unknown))}")
        if any(value < 0 for value in weights.values()) or not any(weights.values()):
            raise ValueError("weights must be non-negative and not all zero")
        return weights


def exact_shares(pool: Decimal, participants: list[Participant], key: AllocationKey) -> dict[str, Decimal]:
    """Each participant's unrounded share of ``pool``.

    A criterion with nothing to measure (no usage at all, population zero)
    falls back to equal shares, so the pool is always fully allocated.
    """
    if pool < 0:
        raise ValueError("a cost pool cannot be negative")
    if not participants:
        return {}
    keys = [p.key for p in participants]
    if len(set(keys)) != len(keys):
        raise ValueError("participants must have distinct keys")
    weights = key.criterion_weights()
    total_weight = sum(weights.values())
    shares = {p.key: Decimal(0) for p in participants}
    for criterion, weight in weights.items():
        if not weight:
            continue
        amounts = {p.key: _measure(p, criterion) for p in participants}
        if any(value < 0 for value in amounts.values()):
            raise ValueError(f"{criterion} cannot be negative")
        total = sum(amounts.values())
        part = pool * weight / total_weight
        for p in participants:
            fraction = amounts[p.key] / total if total else Decimal(1) / len(participants)
            shares[p.key] += part * fraction
    return shares


def _measure(participant: Participant, criterion: str) -> Decimal:
    if criterion == "equal":
        return Decimal(1)
    if criterion == "population":
        return Decimal(participant.population)
    return Decimal(participant.usage)


def split(pool: Decimal, participants: list[Participant], key: AllocationKey) -> dict[str, Decimal]:
    """The pool split to the cent by ``key``: ``{participant key: amount}``."""
    return largest_remainder(pool, exact_shares(pool, participants, key))
