"""What a service would cost a town: alone and inside the Verbund (a preview; billing is issue #6's).

Amounts are Decimal euros rounded to the cent. Pool shares are split by
population with the largest-remainder method, so they always sum to the pool.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from catalog.models import Offering, PriceModel, Service, Subscription, SubscriptionStatus

CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def split_by_population(total: Decimal, populations: dict[int, int]) -> dict[int, Decimal]:
    """Hare–Niemeyer split of ``total`` (euros) by population; exact to the cent, deterministic."""
    total_cents = int(cents(total) / CENT)
    weight = sum(populations.values())
    if not populations:
        return {}
    if weight == 0:
        populations = {key: 1 for key in populations}
        weight = len(populations)
    quotas = {key: Decimal(total_cents) * pop / weight for key, pop in populations.items()}
    floors = {key: int(q.to_integral_value(rounding=ROUND_DOWN)) for key, q in quotas.items()}
    left = total_cents - sum(floors.values())
    for key in sorted(quotas, key=lambda k: (-(quotas[k] - floors[k]), k))[:left]:
        floors[key] += 1
    return {key: Decimal(value) * CENT for key, value in floors.items()}


@dataclass
class Step:
    towns: int
    joined: str
    share: Decimal


@dataclass
class CostPreview:
    model: str
    alone: Decimal | None
    together: Decimal | None
    rate: Decimal
    unit: str = ""
    # Towns using the service now (this town too, if it does).
    participants: list = field(default_factory=list)
    # Towns sharing the cost if this town takes part: the participants plus this town.
    towns: int = 1
    steps: list[Step] = field(default_factory=list)


def subscribers(service: Service):
    """Towns using ``service`` now, through whichever offering.

    A request or a subscription awaiting the county's approval is not use: such a town pays nothing
    yet and may still withdraw, so it neither lowers anyone's share nor is shown as using the service.
    """
    from tenants.models import Town, TownStatus

    ids = Subscription.objects.filter(offering__service=service, status=SubscriptionStatus.ACTIVE).values("town_id")
    return Town.objects.filter(pk__in=ids).exclude(status=TownStatus.OFFBOARDED).order_by("name")


def cost_preview(offering: Offering, town, *, max_steps: int = 5) -> CostPreview:
    rate = offering.amount
    current = list(subscribers(offering.service))
    preview = CostPreview(model=offering.price_model, alone=None, together=None, rate=rate, unit=offering.unit,
                          participants=current, towns=len({t.pk for t in current} | {town.pk}))
    if offering.price_model == PriceModel.BASE_FEE:
        preview.alone = preview.together = cents(rate)
    elif offering.price_model == PriceModel.PER_INHABITANT:
        preview.alone = preview.together = cents(rate * town.population)
    elif offering.price_model == PriceModel.COST_POOL:
        preview.alone = cents(rate)
        members = {t.pk: t.population for t in current} | {town.pk: town.population}
        preview.together = split_by_population(rate, members)[town.pk]
        preview.steps = _steps(offering, town, members, max_steps)
    # PER_UNIT: the cost follows usage; no estimate is given rather than a guessed one.
    return preview


def _steps(offering: Offering, town, members: dict[int, int], max_steps: int) -> list[Step]:
    from tenants.models import Town, TownStatus

    others = Town.objects.filter(status=TownStatus.ACTIVE).exclude(pk__in=members).order_by("-population", "name")
    steps = []
    members = dict(members)
    for other in others[:max_steps]:
        members[other.pk] = other.population
        steps.append(Step(towns=len(members), joined=other.name,
                          share=split_by_population(offering.amount, members)[town.pk]))
    return steps
