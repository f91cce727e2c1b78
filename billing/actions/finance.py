"""County finance's entries besides runs: cost pools (with their documents), per-town efficiency overrides, voids.

Pages and API call these; each owns its transaction and writes the audit log.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from billing.actions.periods import BillingError
from billing.metering import service_units
from billing.models import CostPool, EfficiencyOverride, UsageEvent, UsageVoid
from core.audit.log import actor_name, log_action
from tenants.models import Town


def enter_cost_pool(*, service: str, month: dt.date, category: str, amount: Decimal, description: str = "",
                    document=None, actor: Any = None) -> CostPool:
    """What running ``service`` cost in ``month``, with the invoice or other document attached (optional)."""
    with transaction.atomic():
        pool = CostPool.objects.create(service=service, period=month, category=category, amount=amount,
                                       description=description or "", document=document or "",
                                       created_by=actor_name(actor))
        log_action("billing.cost_pool.entered", actor=actor, service=pool.service, month=f"{month:%Y-%m}",
                   category=pool.category, amount=str(pool.amount), document=pool.document.name or "")
    return pool


def set_efficiency_override(town: Town, service: str, unit: str, minutes_saved: Decimal, *,
                            actor: Any = None) -> EfficiencyOverride:
    """The town's own estimate of staff minutes saved per ``unit``, replacing the descriptor's default."""
    units = service_units(service)
    if unit not in units:
        raise BillingError(_("The service %(service)s measures no unit “%(unit)s”; it measures: %(units)s.") % {
            "service": service, "unit": unit, "units": ", ".join(units) or "–"})
    if minutes_saved < 0:
        raise BillingError(_("Minutes saved cannot be negative."))
    with transaction.atomic():
        previous = EfficiencyOverride.objects.select_for_update().filter(town=town, service=service,
                                                                         unit=unit).first()
        override, _created = EfficiencyOverride.objects.update_or_create(
            town=town, service=service, unit=unit, defaults={"minutes_saved": minutes_saved})
        log_action("billing.efficiency_override.set", actor=actor, town=town, service=service, unit=unit,
                   minutes_saved=str(minutes_saved), default=str(units[unit][1]),
                   previous=str(previous.minutes_saved) if previous else None)
    return override


def remove_efficiency_override(override: EfficiencyOverride, *, actor: Any = None) -> None:
    """Back to the service descriptor's minutes for this town and unit."""
    with transaction.atomic():
        log_action("billing.efficiency_override.removed", actor=actor, town=override.town,
                   service=override.service, unit=override.unit, minutes_saved=str(override.minutes_saved))
        override.delete()


def void_usage_event(event: UsageEvent, reason: str, *, actor: Any = None) -> UsageVoid:
    """Take a usage event out of billing. The event stays as it was (usage is append-only); the void is a new
    entry beside it, and the next run (or a correction run of a closed period) no longer counts it."""
    reason = (reason or "").strip()
    if not reason:
        raise BillingError("Bitte geben Sie einen Grund für die Stornierung an. / A reason is required.")
    if len(reason) > 500:
        raise BillingError("Der Grund darf höchstens 500 Zeichen lang sein. / The reason is too long.")
    with transaction.atomic():
        event = UsageEvent.objects.select_for_update().select_related("town").get(pk=event.pk)
        if UsageVoid.objects.filter(event=event).exists():
            raise BillingError("Diese Nutzungsmeldung ist bereits storniert. / The event was voided before.")
        void = UsageVoid.objects.create(event=event, reason=reason, voided_by=actor_name(actor))
        log_action("billing.usage.voided", actor=actor, town=event.town, event=event.pk, service=event.service,
                   unit=event.unit, quantity=str(event.quantity), occurred_at=event.occurred_at.isoformat(),
                   reason=reason)
    return void
