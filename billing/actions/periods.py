"""Billing runs: split each service's cost pool among its subscribers, per month, to the cent."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import asdict, replace
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import charges
from billing.allocation import AllocationKey, KeyKind, Participant, split
from billing.metering import max_per_month, service_units, usage_totals
from billing.models import (
    AllocationRule,
    BillingPeriod,
    CostPool,
    EfficiencyOverride,
    PeriodStatus,
    Statement,
)
from billing.periods import month_end, month_span
from billing.reports.data import Line, Party, StatementData
from billing.settings_defaults import USAGE_KEY_REASON, hourly_rate, provider
from billing.shares import german_percent, weight_percents
from core.audit.log import log_action
from core.errors import NotFound, PlatformError
from core.money import cents
from core.tasks import registered_task
from tenants.models import Town

KEY_LABELS = {
    KeyKind.EQUAL: "Gleiche Anteile",
    KeyKind.POPULATION: "Nach Einwohnern",
    KeyKind.USAGE: "Nach Nutzung",
    KeyKind.BASE_PLUS_USAGE: "Sockel plus Nutzung",
    KeyKind.WEIGHTED: "Gewichtete Mischung",
}


class BillingError(PlatformError):
    """A billing request that cannot be carried out; the message says why."""


class NoStatements(BillingError, NotFound):
    """No statements for the period (and town) asked for: billing has not run (a 404)."""


def allocation_key(rule: AllocationRule) -> AllocationKey:
    return AllocationKey(
        KeyKind(rule.kind), base_fraction=rule.base_fraction,
        weights={"equal": rule.weight_equal, "population": rule.weight_population, "usage": rule.weight_usage},
    )


def key_label(rule: AllocationRule) -> str:
    kind = KeyKind(rule.kind)
    if kind == KeyKind.BASE_PLUS_USAGE:
        return f"{KEY_LABELS[kind]} ({german_percent(rule.base_fraction * 100)} gleich, Rest nach Nutzung)"
    if kind == KeyKind.WEIGHTED:
        percents = weight_percents(rule)
        return (f"{KEY_LABELS[kind]} ({german_percent(percents['equal'])} gleich, "
                f"{german_percent(percents['population'])} nach Einwohnern, "
                f"{german_percent(percents['usage'])} nach Nutzung)")
    return KEY_LABELS[kind]


def key_reason(rule: AllocationRule) -> str:
    kind = KeyKind(rule.kind)
    if kind == KeyKind.POPULATION:
        return ("Verteilung nach Einwohnerzahl. Hinweis: " + USAGE_KEY_REASON)
    if kind == KeyKind.EQUAL:
        return "Jede teilnehmende Gemeinde trägt den gleichen Anteil. " + USAGE_KEY_REASON
    return USAGE_KEY_REASON


def _active_in(month: dt.date, **offering_filter):
    from catalog.models import Subscription, SubscriptionStatus

    start, end = month_span(month)
    return Subscription.objects.filter(
        activated_at__lt=end, status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.ENDED],
        **offering_filter,
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gte=start))


def subscribers(service: str, month: dt.date) -> list[Town]:
    """Towns subscribed to a cost-pool offering of ``service`` on any day of the month: the pool's sharers.

    Towns that took a fixed-price offering of the service pay that price instead (``charges``), never both.
    """
    towns = _active_in(month, offering__service__key=service, offering__price_model=charges.COST_POOL) \
        .values_list("town_id", flat=True)
    return list(Town.objects.filter(pk__in=set(towns)).order_by("ags"))


def price_plan_subscribers(month: dt.date) -> list[tuple[Any, Town]]:
    """``(offering, town)`` for every fixed-price subscription active on any day of the month."""
    seen, result = set(), []
    rows = _active_in(month, offering__price_model__in=charges.PRICE_PLANS).select_related(
        "offering__service", "town").order_by("town__ags", "offering__service__key", "offering_id")
    for subscription in rows:
        # Two subscriptions of one offering in a month (ended, then taken again) are charged once.
        if (subscription.offering_id, subscription.town_id) not in seen:
            seen.add((subscription.offering_id, subscription.town_id))
            result.append((subscription.offering, subscription.town))
    return result


def _service_name(service: str) -> str:
    from catalog.models import Service
    from catalog.registry import get_service

    descriptor = get_service(service)
    if descriptor is not None:
        return str(descriptor.name)
    return Service.objects.filter(key=service).values_list("name", flat=True).first() or service


def _offering_unit(offering, units: dict[str, tuple[str, Decimal]]) -> str:
    """The metering unit a per-unit price is charged on: the offering's unit key (or name), else the first."""
    wanted = (offering.unit or "").strip()
    if not wanted:
        return next(iter(units), "")
    if wanted in units:
        return wanted
    for key, (name, _minutes) in units.items():
        if name.casefold() == wanted.casefold():
            return key
    raise BillingError(_("The offering for %(service)s charges per “%(unit)s”, which the service does not measure.")
                       % {"service": offering.service.display_name, "unit": wanted})


# A statement's amounts are stored as numeric(14, 2).
LARGEST_AMOUNT = Decimal("999999999999.99")


def plausible_usage(usage: dict[tuple[int, str, str], Decimal], warnings: list[str]
                    ) -> dict[tuple[int, str, str], Decimal]:
    """The month's totals without those above ``USAGE_MAX_PER_MONTH``: one town's bad figure bills no one."""
    limit = max_per_month()
    kept = {}
    names = {}
    for (town_id, service, unit), total in usage.items():
        if total <= limit:
            kept[(town_id, service, unit)] = total
            continue
        if town_id not in names:
            names[town_id] = Town.objects.filter(pk=town_id).values_list("name", flat=True).first() or town_id
        warnings.append(f"{names[town_id]}: Nutzung {service}/{unit} von {total} liegt über der Obergrenze "
                        f"{limit} je Monat und wurde nicht berücksichtigt; bitte prüfen und die falschen "
                        f"Meldungen stornieren. / Usage above the monthly limit was left out.")
    return kept


def _fits(data: StatementData) -> bool:
    amounts = [data.total, data.value_of_time, data.alone_total]
    amounts += [value for line in data.lines for value in (line.pool, line.share, line.value_of_time)]
    return all(abs(amount) <= LARGEST_AMOUNT for amount in amounts)


def compute(month: dt.date, warnings: list[str] | None = None) -> dict[int, StatementData]:
    """Every town's statement for ``month``: pool shares and price-plan charges, with the time they saved.

    What had to be left out (implausible usage, a statement too large to store) is appended to
    ``warnings``; the other towns' statements are computed all the same.
    """
    warnings = [] if warnings is None else warnings
    pools = dict(CostPool.objects.filter(period=month).values_list("service").annotate(total=Sum("amount")))
    rules = {rule.service: rule for rule in AllocationRule.objects.filter(service__in=pools)}
    _require_keys(set(pools) - set(rules))
    start, end = month_span(month)
    usage = plausible_usage(usage_totals(start, end), warnings)
    overrides = {(o.town_id, o.service, o.unit): o.minutes_saved for o in EfficiencyOverride.objects.all()}
    rate = hourly_rate()
    # Each service's units and name are looked up once per run, however many towns it has.
    units_of, name_of = functools.cache(service_units), functools.cache(_service_name)
    lines: dict[int, list[Line]] = defaultdict(list)
    alone: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    towns: dict[int, Town] = {}
    valued: set[tuple[int, str]] = set()

    def time_saved(town: Town, service: str) -> tuple[Decimal, Decimal]:
        # A service's freed time is counted once per town, on its first line, whatever the number of lines.
        if (town.pk, service) in valued:
            return Decimal(0), Decimal("0.00")
        valued.add((town.pk, service))
        minutes = sum((usage.get((town.pk, service, key), Decimal(0))
                       * overrides.get((town.pk, service, key), per_unit)
                       for key, (_name, per_unit) in units_of(service).items()), Decimal(0))
        return minutes, cents(minutes / 60 * rate)

    for service, pool in sorted(pools.items()):
        participants = subscribers(service, month)
        if not participants:
            continue
        rule = rules[service]
        units = units_of(service)
        unit = rule.usage_unit or next(iter(units), "")
        shares = split(pool, [Participant(t.ags, t.population, usage.get((t.pk, service, unit), Decimal(0)))
                              for t in participants], allocation_key(rule))
        label, reason = key_label(rule), key_reason(rule)
        for town in participants:
            towns[town.pk] = town
            minutes, value = time_saved(town, service)
            lines[town.pk].append(Line(
                service_key=service, service_name=name_of(service), key_label=label,
                key_reason=reason, pool=pool, share=shares[town.ags],
                usage=usage.get((town.pk, service, unit), Decimal(0)), unit=units.get(unit, (unit, 0))[0],
                minutes_saved=minutes, value_of_time=value,
            ))
            alone[town.pk] += pool
    for offering, town in price_plan_subscribers(month):
        service = offering.service.key
        units = units_of(service)
        unit = _offering_unit(offering, units) if offering.price_model == charges.PER_UNIT else ""
        used = usage.get((town.pk, service, unit), Decimal(0)) if unit else Decimal(0)
        unit_name = units.get(unit, (unit, 0))[0]
        price = charges.charge(offering.price_model, offering.amount, month, population=town.population,
                               usage=used, unit_name=unit_name)
        towns[town.pk] = town
        minutes, value = time_saved(town, service)
        lines[town.pk].append(Line(
            service_key=service, service_name=name_of(service), key_label=price.label, key_reason=price.reason,
            pool=Decimal("0.00"), share=price.amount, usage=used, unit=unit_name, minutes_saved=minutes,
            value_of_time=value, charge=offering.price_model, rate=Decimal(offering.amount),
        ))
        # A fixed price is the same alone as inside the Verbund.
        alone[town.pk] += price.amount
    seller = provider()
    computed = {
        town_id: StatementData(
            number=f"KV-{month:%Y-%m}-{towns[town_id].ags}", period_start=month, period_end=month_end(month),
            issued=timezone.localdate(), town_name=towns[town_id].name, ags=towns[town_id].ags,
            population=towns[town_id].population, leitweg_id=towns[town_id].leitweg_id, provider=seller,
            buyer=Party(name=towns[town_id].name, street=towns[town_id].street, postcode=towns[town_id].postcode,
                        city=towns[town_id].city or towns[town_id].name, email=towns[town_id].contact_email),
            hourly_rate=rate, lines=tuple(town_lines), alone_total=alone[town_id],
        )
        for town_id, town_lines in sorted(lines.items(), key=lambda item: towns[item[0]].ags)
    }
    for town_id, data in list(computed.items()):
        if not _fits(data):
            del computed[town_id]
            warnings.append(f"{data.town_name}: Die Abrechnung übersteigt {LARGEST_AMOUNT} € und wurde nicht "
                            f"erstellt; bitte Kosten und Nutzung prüfen. / The statement is too large to store.")
    return computed


def _store(period: BillingPeriod, town_id: int, data: StatementData, *, final: bool,
           corrects: Statement | None = None, number: str | None = None) -> Statement:
    statement = _statement(period, town_id, data, final=final, corrects=corrects, number=number)
    statement.save()
    return statement


def _statement(period: BillingPeriod, town_id: int, data: StatementData, *, final: bool,
               corrects: Statement | None = None, number: str | None = None) -> Statement:
    return Statement(
        period=period, town_id=town_id, number=number or data.number, final=final, corrects=corrects,
        total=data.total, value_of_time=data.value_of_time, alone_total=data.alone_total,
        data=to_json(data),
    )


DRAFT_SUFFIX = "-ENTWURF"


def _as_draft(data: StatementData) -> StatementData:
    return replace(data, number=f"{data.number}{DRAFT_SUFFIX}", draft=True)


def _open_period(month: dt.date) -> BillingPeriod:
    """The month's period, locked for this transaction; a closed one takes corrections only."""
    period, _created = BillingPeriod.objects.select_for_update().get_or_create(month=month)
    if period.status == PeriodStatus.CLOSED:
        raise BillingError(f"Der Zeitraum {month:%m/%Y} ist abgeschlossen; Änderungen nur als Korrektur. "
                           f"/ The period is closed; use a correction run.")
    return period


def _require_keys(services_without_key: set[str]) -> None:
    if services_without_key:
        missing = ", ".join(sorted(services_without_key))
        raise BillingError(_("There is no allocation key for %(services)s.") % {"services": missing})


def run_period(month: dt.date, *, actor: Any = None, close: bool = False,
               requested_at: dt.datetime | None = None) -> BillingPeriod:
    """Compute the month's statements; re-runnable (and idempotent) while the period is open.

    ``close=True`` makes them final and the period immutable. ``requested_at`` (a queued run's
    request time) makes a second delivery of the same request do nothing: a worker that died
    after the commit but before acknowledging its task gets it again.
    """
    with transaction.atomic():
        period = _open_period(month)
        if requested_at is not None and period.last_run_at is not None and period.last_run_at >= requested_at:
            return period
        warnings: list[str] = []
        computed = compute(month, warnings)
        period.statements.filter(final=False).delete()
        # A draft says so in its number too, so that no copy of it passes for the final statement.
        Statement.objects.bulk_create([_statement(period, town_id, data if close else _as_draft(data), final=close)
                                       for town_id, data in computed.items()], batch_size=500)
        period.last_run_at = timezone.now()
        period.last_error = ""
        period.warnings = warnings
        if close:
            period.status, period.closed_at, period.closed_by = PeriodStatus.CLOSED, timezone.now(), _name(actor)
        period.save()
        total = sum((d.total for d in computed.values()), Decimal("0.00"))
        log_action("billing.period.run", actor=actor, month=f"{month:%Y-%m}", statements=len(computed),
                   total=str(total), closed=close, warnings=warnings)
        if close:
            log_action("billing.period.closed", actor=actor, month=f"{month:%Y-%m}")
    return period


def request_run(month: dt.date, *, actor: Any = None, close: bool = False) -> BillingPeriod:
    """Queue a billing run (the Celery task ``billing.run_period``) once this transaction commits.

    What can be checked at once is checked here, so that the caller hears it now
    rather than from a failed task: a closed period, a pool without a key.
    """
    with transaction.atomic():
        period = _open_period(month)
        services = CostPool.objects.filter(period=month).values_list("service", flat=True).distinct()
        _require_keys(set(services) - set(AllocationRule.objects.values_list("service", flat=True)))
        period.run_requested_at = timezone.now()
        period.save(update_fields=["run_requested_at"])
        log_action("billing.period.run_requested", actor=actor, month=f"{month:%Y-%m}", close=close)
        arguments = {"month": f"{month:%Y-%m}", "close": close, "actor": _name(actor),
                     "requested_at": period.run_requested_at.isoformat()}
        # By name: tasks import actions, never the reverse.
        transaction.on_commit(lambda: registered_task("billing.run_period").apply_async(kwargs=arguments))
    return period


def record_run_failure(month: dt.date, error: str, *, actor: Any = None) -> None:
    """A queued run failed: keep the reason on the period, where the finance page shows it."""
    with transaction.atomic():
        BillingPeriod.objects.filter(month=month).update(last_error=error[:2000])
        log_action("billing.period.run_failed", actor=actor, month=f"{month:%Y-%m}", error=error[:500])


def correct_period(month: dt.date, *, actor: Any = None) -> list[Statement]:
    """After closing: a new statement for every town whose figures changed, referencing the old one."""
    with transaction.atomic():
        period = BillingPeriod.objects.select_for_update().filter(month=month).first()
        if period is None or period.status != PeriodStatus.CLOSED:
            raise BillingError(_("Only closed periods are corrected."))
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
    return sorted((line["service_key"], line.get("charge", "pool"), line["share"]) for line in raw["lines"])


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
    lines = tuple(Line(**{k: Decimal(v) if k in {"pool", "share", "usage", "minutes_saved", "value_of_time", "rate"}
                          else v
                          for k, v in line.items()}) for line in raw["lines"])
    values = {k: v for k, v in raw.items() if k not in {"lines", "provider", "buyer"}}
    for key in ("period_start", "period_end", "issued"):
        values[key] = dt.date.fromisoformat(values[key])
    for key in ("hourly_rate", "alone_total"):
        values[key] = Decimal(values[key])
    return StatementData(**values, lines=lines, provider=Party(**raw["provider"]), buyer=Party(**raw["buyer"]))


def _name(actor: Any) -> str:
    from core.audit.log import actor_name

    return actor_name(actor)
