"""What the catalogue promises a town, computed the way a billing run charges it.

The catalogue's price preview (``catalog.pricing.cost_preview``) is this module: for a month it takes the
same cost pools, allocation key, subscribers, usage and price plans that ``billing.actions.compute`` takes,
and splits with the same rule (``core.money``). So when nothing changes between the preview and the
billing run, a town's previewed share for a month is its statement line for that month, to the cent.

Where the figure cannot be known yet, the preview is an estimate and says what it assumed:

* the month's cost pool is not entered yet: the latest month with pools, else a twelfth of the annual pool
  the county announced with the offering;
* the service has no allocation key yet: split by population (what the catalogue announced);
* a usage-based key or price while the month runs: the usage so far; a town not using the service yet
  (this one before it joins, the towns in "as more towns join") is assumed to use it as much per
  inhabitant as the towns using it now.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from billing import charges
from billing.actions.periods import (
    BillingError,
    _offering_unit,
    allocation_key,
    key_label,
    service_units,
    subscribers,
)
from billing.allocation import AllocationKey, KeyKind, Participant, split
from billing.metering import usage_totals
from billing.models import AllocationRule, CostPool
from billing.periods import month_span
from catalog.pricing import CostPreview, Step
from core.money import cents, euro, number

POPULATION_KEY = AllocationKey(KeyKind.POPULATION)


def _month_label(month: dt.date) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")


def _usage_per_inhabitant(usage: dict, towns, service: str, unit: str) -> Decimal:
    people = sum(t.population for t in towns)
    used = sum((usage.get((t.pk, service, unit), Decimal(0)) for t in towns), Decimal(0))
    return used / people if people else Decimal(0)


def cost_preview(offering, town, *, month: dt.date | None = None, max_steps: int = 5) -> CostPreview:
    """``town``'s cost of ``offering`` for ``month`` (default: the current month), as billing would charge it."""
    from catalog.pricing import subscribers as users_now

    month = (month or timezone.localdate()).replace(day=1)
    participants = list(users_now(offering.service))
    preview = CostPreview(model=offering.price_model, alone=None, together=None, rate=Decimal(offering.amount),
                          unit=offering.unit, participants=participants, month=month,
                          towns=len({t.pk for t in participants} | {town.pk}))
    start, end = month_span(month)
    running = end > timezone.now()
    service = offering.service.key
    if offering.price_model == charges.COST_POOL:
        _pool_preview(preview, offering, town, month, running, max_steps)
        return preview
    units = service_units(service)
    if offering.price_model == charges.PER_UNIT:
        try:
            unit = _offering_unit(offering, units)
        except BillingError:
            unit = ""
        preview.unit = units.get(unit, (offering.unit or unit, 0))[0]
        usage = usage_totals(start, end, service=service)
        if (town.pk, service, unit) in usage or town in participants:
            used = usage.get((town.pk, service, unit), Decimal(0))
            if running:
                preview.estimate = True
                preview.assumptions.append(_("Usage so far this month: %(used)s %(unit)s; the bill follows the "
                                             "whole month's usage.") % {"used": number(used, _places(used)),
                                                                       "unit": preview.unit})
        else:
            per_head = _usage_per_inhabitant(usage, participants, service, unit)
            if not per_head:
                return preview  # nobody uses it yet: no estimate rather than a guessed one
            used = per_head * town.population
            preview.estimate = True
            preview.assumptions.append(_(
                "Assumed usage: %(used)s %(unit)s a month, as much per inhabitant as the towns using the service "
                "this month.") % {"used": number(used, 0), "unit": preview.unit})
        price = charges.charge(offering.price_model, offering.amount, month, usage=used)
        preview.alone = preview.together = price.amount
        return preview
    price = charges.charge(offering.price_model, offering.amount, month, population=town.population)
    preview.alone = preview.together = price.amount
    preview.annual = cents(Decimal(offering.amount) * (town.population if offering.price_model
                                                       == charges.PER_INHABITANT else 1))
    return preview


def _places(value: Decimal) -> int:
    return 0 if value == value.to_integral() else 2


def _pool_preview(preview: CostPreview, offering, town, month: dt.date, running: bool, max_steps: int) -> None:
    service = offering.service.key
    pool = CostPool.objects.filter(service=service, period=month).aggregate(total=Sum("amount"))["total"]
    if pool is None:
        preview.estimate = True
        earlier = (CostPool.objects.filter(service=service, period__lt=month).order_by("-period")
                   .values_list("period", flat=True).first())
        if earlier is not None:
            pool = CostPool.objects.filter(service=service, period=earlier).aggregate(total=Sum("amount"))["total"]
            preview.assumptions.append(_("The costs of %(month)s are not entered yet; assumed as in %(earlier)s: "
                                         "%(pool)s.") % {"month": _month_label(month),
                                                         "earlier": _month_label(earlier), "pool": euro(pool)})
        else:
            pool = charges.monthly_instalment(offering.amount, month)
            preview.assumptions.append(_("No costs entered yet; assumed a twelfth of the annual cost pool the "
                                         "county announced (%(annual)s): %(pool)s.")
                                       % {"annual": euro(cents(offering.amount)), "pool": euro(pool)})
    pool = cents(pool)
    rule = AllocationRule.objects.filter(service=service).first()
    if rule is None:
        key, preview.key_label = POPULATION_KEY, _("By population")
        preview.estimate = True
        preview.assumptions.append(_("The county has not set the allocation key yet; assumed by population."))
    else:
        key, preview.key_label = allocation_key(rule), key_label(rule)
    units = service_units(service)
    unit = (rule.usage_unit if rule else "") or next(iter(units), "")
    sharers = subscribers(service, month)
    start, end = month_span(month)
    usage = usage_totals(start, end, service=service)
    per_head = _usage_per_inhabitant(usage, sharers, service, unit)
    uses_usage = "usage" in {name for name, weight in key.criterion_weights().items() if weight}

    def participant(t, *, assumed: bool) -> Participant:
        used = per_head * t.population if assumed else usage.get((t.pk, service, unit), Decimal(0))
        return Participant(t.ags, t.population, used)

    members = [participant(t, assumed=False) for t in sharers]
    if town.ags not in {p.key for p in members}:
        members.append(participant(town, assumed=True))
        if uses_usage:
            preview.estimate = True
            preview.assumptions.append(_(
                "Your town does not use the service yet: assumed to use it as much per inhabitant as the towns "
                "using it this month (%(used)s %(unit)s).") % {
                    "used": number(per_head * town.population, 0), "unit": units.get(unit, (unit, 0))[0]})
    elif uses_usage and running:
        preview.estimate = True
        preview.assumptions.append(_("The key counts usage: the share follows the usage of the whole month; "
                                     "shown is the usage so far."))
    preview.pool = pool
    preview.alone = pool
    preview.towns = len(members)
    preview.together = split(pool, members, key)[town.ags]
    preview.sharers = [t.name for t in sharers if t.pk != town.pk]
    from tenants.models import Town, TownStatus

    others = (Town.objects.filter(status=TownStatus.ACTIVE).exclude(ags__in=[p.key for p in members])
              .order_by("-population", "name"))
    for other in others[:max_steps]:
        members.append(participant(other, assumed=True))
        preview.steps.append(Step(towns=len(members), joined=other.name, share=split(pool, members, key)[town.ags]))
