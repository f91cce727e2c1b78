"""Demo billing: usage, costs and keys for every subscribed service; last month closed, this month open.

So the finance pages have something to show. Demo subscriptions count from the
first day of last month (they are backdated; real ones count from activation).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from billing.actions import run_period
from billing.metering import record_usage
from billing.models import AllocationRule, BillingPeriod, CostPool, PeriodStatus
from billing.periods import month_span
from catalog.models import Subscription, SubscriptionStatus
from catalog.registry import get_service

ACTOR = "demo"
MONTHLY_COSTS = {"licences": Decimal("1200.00"), "hosting": Decimal("650.00"), "staff": Decimal("900.00"),
                 "overhead": Decimal("150.00")}


def ensure_demo_billing(towns) -> dict:
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    active = Subscription.objects.filter(town__in=list(towns), status=SubscriptionStatus.ACTIVE).select_related(
        "town", "offering__service")
    if not active:
        return {}
    start_last, _ = month_span(last_month)
    active.filter(activated_at__gt=start_last).update(activated_at=start_last)
    services = sorted({s.offering.service.key for s in active})
    for month in (last_month, this_month):
        for service in services:
            for category, amount in MONTHLY_COSTS.items():
                CostPool.objects.get_or_create(service=service, period=month, category=category, defaults={
                    "amount": amount, "description": "Demo", "created_by": ACTOR})
    for subscription in active:
        descriptor = get_service(subscription.offering.service.key)
        for unit in descriptor.units if descriptor else ():
            for month in (last_month, this_month):
                start, end = month_span(month)
                # Fixed per month (never "now"), so that seeding again finds the same usage under its key.
                when = start + dt.timedelta(days=14) if month == last_month else start
                quantity = 40 + (subscription.town.population // 100) % 400
                record_usage(subscription.town, subscription.offering.service.key, unit.key, quantity,
                             f"demo-{month:%Y-%m}-{unit.key}", when, source=ACTOR)
    for service in services:
        descriptor = get_service(service)
        AllocationRule.objects.get_or_create(service=service, defaults={
            "kind": "base_plus_usage", "base_fraction": Decimal("0.300"),
            "usage_unit": descriptor.units[0].key if descriptor and descriptor.units else "", "updated_by": ACTOR})
    if not BillingPeriod.objects.filter(month=last_month, status=PeriodStatus.CLOSED).exists():
        run_period(last_month, actor=ACTOR, close=True)
    if not BillingPeriod.objects.filter(month=this_month, status=PeriodStatus.CLOSED).exists():
        run_period(this_month, actor=ACTOR)
    return {"closed_period": f"{last_month:%Y-%m}", "open_period": f"{this_month:%Y-%m}", "services": services}
