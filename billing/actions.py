"""Billing runs: split each service's cost pool among its subscribers, per month, to the cent."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from billing.allocation import AllocationKey, KeyKind, Participant, split
from billing.metering import usage_totals
from billing.models import (
    AllocationRule,
    BillingPeriod,
    CostPool,
    EfficiencyOverride,
    PeriodStatus,
    Statement,
)
from billing.periods import month_end, month_span
from billing.reports.data import CENT, Line, Party, StatementData
from billing.settings_defaults import USAGE_KEY_REASON, hourly_rate, provider
from kiverbund.audit.log import log_action
from tenants.models import Town

KEY_LABELS = {
    KeyKind.EQUAL: "Gleiche Anteile",
    KeyKind.POPULATION: "Nach Einwohnern",
    KeyKind.USAGE: "Nach Nutzung",
    KeyKind.BASE_PLUS_USAGE: "Sockel plus Nutzung",
    KeyKind.WEIGHTED: "Gewichtete Mischung",
}


class BillingError(Exception):
    """A billing request that cannot be carried out; the message says why."""


def allocation_key(rule: AllocationRule) -> AllocationKey:
    return AllocationKey(
        KeyKind(rule.kind), base_fraction=rule.base_fraction,
        weights={"equal": rule.weight_equal, "population": rule.weight_population, "usage": rule.weight_usage},
    )


def key_label(rule: AllocationRule) -> str:
    kind = KeyKind(rule.kind)
    if kind == KeyKind.BASE_PLUS_USAGE:
        return f"{KEY_LABELS[kind]} ({rule.base_fraction * 100:.0f} % gleich, Rest nach Nutzung)"
    if kind == KeyKind.WEIGHTED:
        return (f"{KEY_LABELS[kind]} (gleich {rule.weight_equal}, Einwohner {rule.weight_population}, "
                f"Nutzung {rule.weight_usage})")
    return KEY_LABELS[kind]


def key_reason(rule: AllocationRule) -> str:
    kind = KeyKind(rule.kind)
    if kind == KeyKind.POPULATION:
        return ("Verteilung nach Einwohnerzahl. Hinweis: " + USAGE_KEY_REASON)
    if kind == KeyKind.EQUAL:
        return "Jede teilnehmende Gemeinde trägt den gleichen Anteil. " + USAGE_KEY_REASON
    return USAGE_KEY_REASON


def subscribers(service: str, month: dt.date) -> list[Town]:
    """Towns whose subscription to ``service`` was active on any day of the month."""
    from catalog.models import Subscription, SubscriptionStatus

    start, end = month_span(month)
    towns = Subscription.objects.filter(
        offering__service__key=service, activated_at__lt=end,
        status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.ENDED],
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gte=start)).values_list("town_id", flat=True)
    return list(Town.objects.filter(pk__in=set(towns)).order_by("ags"))


def _descriptor_units(service: str) -> dict[str, tuple[str, Decimal]]:
    from catalog.registry import get_service

    descriptor = get_service(service)
    if descriptor is None:
        return {}
    return {u.key: (str(u.name), Decimal(u.minutes_saved)) for u in descriptor.units}


def _service_name(service: str) -> str:
    from catalog.registry import get_service

    descriptor = get_service(service)
    return str(descriptor.name) if descriptor else service


def compute(month: dt.date) -> dict[int, StatementData]:
    """Every town's statement for ``month``, computed from pools, rules, subscriptions and usage."""
    pools = dict(CostPool.objects.filter(period=month).values_list("service").annotate(total=Sum("amount")))
    rules = {rule.service: rule for rule in AllocationRule.objects.filter(service__in=pools)}
    missing = sorted(set(pools) - set(rules))
    if missing:
        raise BillingError(f"Für {', '.join(missing)} ist kein Verteilschlüssel festgelegt. "
                           f"/ No allocation key for {', '.join(missing)}.")
    start, end = month_span(month)
    usage = usage_totals(start, end)
    overrides = {(o.town_id, o.service, o.unit): o.minutes_saved for o in EfficiencyOverride.objects.all()}
    rate = hourly_rate()
    lines: dict[int, list[Line]] = defaultdict(list)
    alone: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    towns: dict[int, Town] = {}
    for service, pool in sorted(pools.items()):
        participants = subscribers(service, month)
        if not participants:
            continue
        rule = rules[service]
        units = _descriptor_units(service)
        unit = rule.usage_unit or next(iter(units), "")
        shares = split(pool, [Participant(t.ags, t.population, usage.get((t.pk, service, unit), Decimal(0)))
                              for t in participants], allocation_key(rule))
        for town in participants:
            towns[town.pk] = town
            minutes = sum((usage.get((town.pk, service, key), Decimal(0))
                           * overrides.get((town.pk, service, key), per_unit)
                           for key, (_name, per_unit) in units.items()), Decimal(0))
            lines[town.pk].append(Line(
                service_key=service, service_name=_service_name(service), key_label=key_label(rule),
                key_reason=key_reason(rule), pool=pool, share=shares[town.ags],
                usage=usage.get((town.pk, service, unit), Decimal(0)), unit=units.get(unit, (unit, 0))[0],
                minutes_saved=minutes, value_of_time=(minutes / 60 * rate).quantize(CENT),
            ))
            alone[town.pk] += pool
    seller = provider()
    return {
        town_id: StatementData(
            number=f"KV-{month:%Y-%m}-{towns[town_id].ags}", period_start=month, period_end=month_end(month),
            issued=timezone.localdate(), town_name=towns[town_id].name, ags=towns[town_id].ags,
            population=towns[town_id].population, leitweg_id=towns[town_id].leitweg_id, provider=seller,
            buyer=Party(name=towns[town_id].name, city=towns[town_id].name, email=towns[town_id].contact_email),
            hourly_rate=rate, lines=tuple(town_lines), alone_total=alone[town_id],
        )
        for town_id, town_lines in lines.items()
    }


def _store(period: BillingPeriod, town_id: int, data: StatementData, *, final: bool,
           corrects: Statement | None = None, number: str | None = None) -> Statement:
    return Statement.objects.create(
        period=period, town_id=town_id, number=number or data.number, final=final, corrects=corrects,
        total=data.total, value_of_time=data.value_of_time, alone_total=data.alone_total,
        data=to_json(data),
    )


def run_period(month: dt.date, *, actor: Any = None, close: bool = False) -> BillingPeriod:
    """Compute the month's statements; re-runnable (and idempotent) while the period is open.

    ``close=True`` makes them final and the period immutable.
    """
    with transaction.atomic():
        period, _ = BillingPeriod.objects.select_for_update().get_or_create(month=month)
        if period.status == PeriodStatus.CLOSED:
            raise BillingError(f"Der Zeitraum {month:%m/%Y} ist abgeschlossen; Änderungen nur als Korrektur. "
                               f"/ The period is closed; use a correction run.")
        computed = compute(month)
        period.statements.filter(final=False).delete()
        for town_id, data in computed.items():
            _store(period, town_id, data, final=close)
        period.last_run_at = timezone.now()
        if close:
            period.status, period.closed_at, period.closed_by = PeriodStatus.CLOSED, timezone.now(), _name(actor)
        period.save()
        total = sum((d.total for d in computed.values()), Decimal("0.00"))
        log_action("billing.period.run", actor=actor, month=f"{month:%Y-%m}", statements=len(computed),
                   total=str(total), closed=close)
        if close:
            log_action("billing.period.closed", actor=actor, month=f"{month:%Y-%m}")
    return period


def correct_period(month: dt.date, *, actor: Any = None) -> list[Statement]:
    """After closing: a new statement for every town whose figures changed, referencing the old one."""
    with transaction.atomic():
        period = BillingPeriod.objects.select_for_update().filter(month=month).first()
        if period is None or period.status != PeriodStatus.CLOSED:
            raise BillingError("Korrekturen gibt es nur für abgeschlossene Zeiträume. / Only closed periods are corrected.")
        made = []
        for town_id, data in compute(month).items():
            latest = period.statements.filter(town_id=town_id).order_by("-created_at").first()
            # Only a changed amount is corrected; the same share of a larger pool is not a new invoice.
            if latest is not None and _amounts(latest.data) == _amounts(to_json(data)):
                continue
            count = period.statements.filter(town_id=town_id).count()
            number = f"{data.number}-K{count}" if latest else data.number
            data = StatementData(**{**data.__dict__, "number": number, "corrects": latest.number if latest else ""})
            made.append(_store(period, town_id, data, final=True, corrects=latest, number=number))
            log_action("billing.statement.corrected", actor=actor, town=made[-1].town, number=number,
                       corrects=latest.number if latest else "", total=str(data.total))
    return made


def _amounts(raw: dict) -> list[tuple[str, str]]:
    return sorted((line["service_key"], line["share"]) for line in raw["lines"])


def latest_statements(month: dt.date, town: Town | None = None) -> list[Statement]:
    """The current statement of each town (the newest correction, if any)."""
    statements = Statement.objects.filter(period__month=month).select_related("town").order_by("town__ags",
                                                                                            "-created_at")
    if town is not None:
        statements = statements.filter(town=town)
    seen, result = set(), []
    for statement in statements:
        if statement.town_id not in seen:
            seen.add(statement.town_id)
            result.append(statement)
    return result


def to_json(data: StatementData) -> dict:
    raw = asdict(data)
    return _strings(raw)


def _strings(value):
    if isinstance(value, dict):
        return {k: _strings(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strings(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def from_json(raw: dict) -> StatementData:
    lines = tuple(Line(**{k: Decimal(v) if k in {"pool", "share", "usage", "minutes_saved", "value_of_time"} else v
                          for k, v in line.items()}) for line in raw["lines"])
    values = {k: v for k, v in raw.items() if k not in {"lines", "provider", "buyer"}}
    for key in ("period_start", "period_end", "issued"):
        values[key] = dt.date.fromisoformat(values[key])
    for key in ("hourly_rate", "alone_total"):
        values[key] = Decimal(values[key])
    return StatementData(**values, lines=lines, provider=Party(**raw["provider"]), buyer=Party(**raw["buyer"]))


def _name(actor: Any) -> str:
    from kiverbund.audit.log import actor_name

    return actor_name(actor)
