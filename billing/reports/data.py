"""A statement as plain data: what every rendering (CSV, XLSX, PDF, XRechnung) is made from.

Renderers never compute money themselves beyond summing these lines, so all
formats agree to the cent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from core.money import CENT, cents

__all__ = ["CENT", "Line", "Party", "StatementData"]


@dataclass(frozen=True)
class Party:
    name: str
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = "DE"
    email: str = ""
    # The seller's contact and account (XRechnung BR-DE-2, BR-DE-5 to 7, BR-DE-23).
    contact_name: str = ""
    phone: str = ""
    iban: str = ""
    # The seller's identifiers (EN 16931 BT-29 to BT-32; BR-CO-26 asks for one of the first three).
    identifier: str = ""
    registration_id: str = ""
    vat_id: str = ""
    tax_number: str = ""

    def completed_by(self, current: Party) -> Party:
        """These details, with what is empty filled from ``current`` (a statement stored before a field existed)."""
        from dataclasses import fields, replace

        return replace(self, **{f.name: getattr(current, f.name) for f in fields(self)
                                if not getattr(self, f.name) and getattr(current, f.name)})


@dataclass(frozen=True)
class Line:
    service_key: str
    service_name: str
    key_label: str  # the allocation key used, for people
    key_reason: str  # why this key (e.g. the court ruling on usage-based keys)
    pool: Decimal  # the whole cost pool of the service in the period
    share: Decimal  # this town's part of it, to the cent
    usage: Decimal = Decimal(0)
    unit: str = ""
    minutes_saved: Decimal = Decimal(0)  # staff minutes freed by the usage
    value_of_time: Decimal = Decimal(0)  # minutes × hourly rate, to the cent
    # "pool" for a share of a cost pool; else the offering's price plan (base_fee, per_inhabitant, per_unit),
    # charged at ``rate`` and not split: ``pool`` is then 0 and means nothing.
    charge: str = "pool"
    rate: Decimal = Decimal(0)

    @property
    def is_pool_share(self) -> bool:
        return self.charge == "pool"


@dataclass(frozen=True)
class StatementData:
    number: str
    period_start: dt.date
    period_end: dt.date  # inclusive
    issued: dt.date
    town_name: str
    ags: str
    population: int
    leitweg_id: str
    provider: Party
    buyer: Party
    hourly_rate: Decimal
    lines: tuple[Line, ...] = field(default_factory=tuple)
    # Alone: what the town would pay for the same services without the Verbund.
    alone_total: Decimal = Decimal(0)
    corrects: str = ""  # the number of the statement this one corrects
    # A statement of an open period: provisional, replaced by the next run; never an invoice.
    draft: bool = False

    @property
    def total(self) -> Decimal:
        return sum((line.share for line in self.lines), Decimal("0.00"))

    @property
    def value_of_time(self) -> Decimal:
        return sum((line.value_of_time for line in self.lines), Decimal("0.00"))

    @property
    def net_benefit(self) -> Decimal:
        return self.value_of_time - self.total

    @property
    def cost_per_inhabitant(self) -> Decimal:
        return cents(self.total / self.population) if self.population else Decimal("0.00")

    @property
    def saving_in_verbund(self) -> Decimal:
        return self.alone_total - self.total
