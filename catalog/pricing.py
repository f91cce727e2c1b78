"""What a service would cost a town: alone, inside the Verbund, and as more towns join.

The figures come from billing (``billing.quote``), which registers itself here when it starts: the preview
is computed from the same cost pools, allocation key and price plans that a billing run charges, so a
town's preview for a month is its statement for that month to the cent when nothing changed in between.
The catalogue does not import billing (billing stands on the catalogue, not the other way round).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured

from catalog.models import Offering, Service, Subscription, SubscriptionStatus


@dataclass
class Step:
    towns: int
    joined: str
    share: Decimal


@dataclass
class CostPreview:
    model: str
    # Amounts for ``month``, to the cent; None where they depend on usage nobody can estimate yet.
    alone: Decimal | None
    together: Decimal | None
    rate: Decimal
    unit: str = ""
    month: dt.date | None = None
    # Towns using the service now (this town too, if it does).
    participants: list = field(default_factory=list)
    # Towns sharing the month's cost pool if this town takes part (billing's sharers plus this town).
    towns: int = 1
    sharers: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    pool: Decimal | None = None  # the month's cost pool (a cost-pool offering)
    key_label: str = ""  # the allocation key, for people
    annual: Decimal | None = None  # a fixed price's annual amount
    # True when a figure rests on an assumption (listed, for people) rather than on entered costs and usage.
    estimate: bool = False
    assumptions: list[str] = field(default_factory=list)

    @property
    def share_percent(self) -> Decimal | None:
        """The town's part of the month's cost pool in per cent (a cost-pool offering), for people."""
        whole = self.pool if self.pool else self.alone
        if not whole or self.together is None:
            return None
        return (self.together * 100 / whole).quantize(Decimal("0.1"))


Pricer = Callable[..., CostPreview]
_pricer: Pricer | None = None


def register_pricer(pricer: Pricer) -> None:
    """Billing's AppConfig registers the function that prices an offering (``billing.quote.cost_preview``)."""
    global _pricer
    _pricer = pricer


def subscribers(service: Service):
    """Towns using ``service`` now, through whichever offering.

    A request or a subscription awaiting the county's approval is not use: such a town pays nothing
    yet and may still withdraw, so it is not shown as using the service.
    """
    from tenants.models import Town, TownStatus

    ids = Subscription.objects.filter(offering__service=service, status=SubscriptionStatus.ACTIVE).values("town_id")
    return Town.objects.filter(pk__in=ids).exclude(status=TownStatus.OFFBOARDED).order_by("name")


def cost_preview(offering: Offering, town, *, month: dt.date | None = None, max_steps: int = 5) -> CostPreview:
    """``town``'s cost of ``offering`` for ``month`` (default: this month), as billing would charge it."""
    if _pricer is None:
        raise ImproperlyConfigured("No pricer registered: the billing app must be installed.")
    return _pricer(offering, town, month=month, max_steps=max_steps)
