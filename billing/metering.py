"""``record_usage``: the one way services report what a town used (ARCHITECTURE.md, "Metering")."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from billing.models import UsageEvent
from tenants.models import Town

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
# No service of the platform existed before this day; an earlier date is a broken clock or a typo.
EARLIEST = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
_INSERT_ONCE = (f"INSERT INTO {UsageEvent._meta.db_table} "
                "(town_id, service, unit, quantity, idempotency_key, occurred_at, recorded_at, source) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT ON CONSTRAINT usage_once_per_key DO NOTHING "
                "RETURNING id")


class UsageError(ValueError):
    """A usage report that cannot be recorded; the message says why."""


class UsageConflict(UsageError):
    """The idempotency key was used before for different figures."""


@dataclass(frozen=True)
class Recorded:
    event: UsageEvent
    created: bool


def record_usage(town: Town, service: str, unit: str, quantity, idempotency_key: str,
                 occurred_at: dt.datetime, *, source: str = "") -> Recorded:
    """Record usage exactly once per ``idempotency_key`` (per town and service).

    Calling again with the same key — a retry after a timeout, a worker that
    died after the write — returns the existing event and records nothing. The
    same key with different figures is refused: it is a bug at the caller.
    Safe under concurrent calls: the database's unique constraint decides.
    """
    quantity = _quantity(quantity)
    _check(service, unit, idempotency_key, occurred_at)
    event = UsageEvent(town=town, service=service, idempotency_key=idempotency_key, unit=unit, quantity=quantity,
                       occurred_at=occurred_at, recorded_at=timezone.now(), source=source[:150])
    # One statement, no savepoint: every answered question of the chatbot passes here, usually inside
    # the caller's transaction (an IntegrityError would need a savepoint to recover from).
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_ONCE, [town.pk, service, unit, quantity, idempotency_key, occurred_at,
                                      event.recorded_at, event.source])
        inserted = cursor.fetchone()
    if inserted is not None:
        event.pk = inserted[0]
        event._state.adding = False
        return Recorded(event, True)
    event = UsageEvent.objects.get(town=town, service=service, idempotency_key=idempotency_key)
    if (event.unit, event.quantity, event.occurred_at) != (unit, quantity, occurred_at):
        raise UsageConflict(f"Idempotency-Key {idempotency_key!r} was already used for other usage "
                         f"({event.quantity} {event.unit} at {event.occurred_at.isoformat()}).")
    return Recorded(event, False)


def _quantity(value) -> Decimal:
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise UsageError(f"quantity must be a number, got {value!r}") from None
    if not quantity.is_finite() or quantity <= 0:
        raise UsageError("quantity must be greater than zero")
    if quantity != quantity.quantize(Decimal("0.001")):
        raise UsageError("quantity has at most three decimal places")
    if quantity > max_per_event():
        raise UsageError(f"quantity may be at most {max_per_event()} per report")
    return quantity


def _check(service: str, unit: str, idempotency_key: str, occurred_at: dt.datetime) -> None:
    if not _SLUG.match(service or ""):
        raise UsageError(f"service must be a service key such as 'chatbot', got {service!r}")
    if not _SLUG.match(unit or ""):
        raise UsageError(f"unit must be a unit key such as 'answered_question', got {unit!r}")
    if not idempotency_key or len(idempotency_key) > 200:
        raise UsageError("an idempotency key of 1 to 200 characters is required")
    if timezone.is_naive(occurred_at):
        raise UsageError("occurred_at needs a time zone")
    if occurred_at > timezone.now() + FUTURE_TOLERANCE:
        raise UsageError("occurred_at lies in the future")
    if occurred_at < EARLIEST:
        raise UsageError(f"occurred_at lies before {EARLIEST:%Y-%m-%d}")


def max_per_event() -> Decimal:
    return Decimal(str(settings.USAGE_MAX_PER_EVENT))


def max_per_month() -> Decimal:
    return Decimal(str(settings.USAGE_MAX_PER_MONTH))


def usage_totals(start: dt.datetime, end: dt.datetime, *, service: str | None = None) -> dict[tuple[int, str, str], Decimal]:
    """Usage summed per (town id, service, unit) for ``start <= occurred_at < end``; voided events do not count."""
    events = UsageEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end, void__isnull=True)
    if service:
        events = events.filter(service=service)
    rows = events.values("town_id", "service", "unit").annotate(total=Sum("quantity"))
    return {(row["town_id"], row["service"], row["unit"]): row["total"] for row in rows}


def check_report(town: Town, service: str, unit: str, quantity: Decimal, occurred_at: dt.datetime) -> None:
    """What a report from outside the platform (``POST /api/v1/usage/``) must also satisfy.

    The service is one the town is subscribed to, the unit one the service
    declares, the time inside the window (not older than ``USAGE_MAX_AGE_DAYS``,
    not in a closed billing period), and the month's total for the town, service
    and unit stays within ``USAGE_MAX_PER_MONTH``. Figures that pass cannot
    overflow a statement, whatever the number of reports.
    """
    from billing.models import BillingPeriod, PeriodStatus
    from billing.periods import month_span
    from catalog.entitlement import has_active_subscription

    _check(service, unit, "-", occurred_at)
    if not has_active_subscription(town, service):
        raise UsageError(f"the town has no active subscription to the service {service!r}")
    units = service_units(service)
    if unit not in units:
        raise UsageError(f"the service {service!r} does not measure the unit {unit!r}; "
                         f"it measures: {', '.join(units) or '-'}")
    oldest = timezone.now() - dt.timedelta(days=settings.USAGE_MAX_AGE_DAYS)
    if occurred_at < oldest:
        raise UsageError(f"occurred_at lies more than {settings.USAGE_MAX_AGE_DAYS} days in the past")
    month = timezone.localtime(occurred_at).date().replace(day=1)
    if BillingPeriod.objects.filter(month=month, status=PeriodStatus.CLOSED).exists():
        raise UsageError(f"the billing period {month:%Y-%m} is closed; usage for it is no longer accepted")
    start, end = month_span(month)
    used = UsageEvent.objects.filter(town=town, service=service, unit=unit, occurred_at__gte=start,
                                     occurred_at__lt=end, void__isnull=True).aggregate(total=Sum("quantity"))
    if (used["total"] or 0) + quantity > max_per_month():
        raise UsageError(f"the month's usage of {service}/{unit} would exceed {max_per_month()} "
                         f"(already {used['total'] or 0})")


def service_units(service: str) -> dict[str, tuple[str, Decimal]]:
    """The service's metering units: key → (name, minutes saved per unit by default)."""
    from catalog.models import Service
    from catalog.registry import get_service

    descriptor = get_service(service)
    if descriptor is not None:
        return {u.key: (str(u.name), Decimal(u.minutes_saved)) for u in descriptor.units}
    # An app no longer installed (or a benchmark's services): the descriptor as last synced.
    stored = Service.objects.filter(key=service).values_list("descriptor", flat=True).first() or {}
    return {u["key"]: (u.get("name", u["key"]), Decimal(u.get("minutes_saved", 0))) for u in stored.get("units", [])}
