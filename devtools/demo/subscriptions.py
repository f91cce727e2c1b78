"""Demo subscriptions: every installed service is offered, and every other demo town subscribes to it.

The services are whatever service apps are installed (the citizen chatbot,
``services.chatbot``, ``services.roads``, and every other service app); ``.demo/demo.json`` lists
each town's active ones. At least one town always stays unsubscribed. The
test-only echo service is never installed outside the test settings.
"""

from __future__ import annotations

from decimal import Decimal

from catalog.actions import (
    activate_subscription,
    confirm_checklist_item,
    request_subscription,
    save_offering,
    sync_catalogue,
)
from catalog.models import ChecklistItem, Offering, Service, Subscription, SubscriptionStatus

ACTOR = "demo"


def ensure_demo_subscriptions(towns) -> dict[int, list[str]]:
    """Returns each town's active service keys, by town id."""
    sync_catalogue(actor=ACTOR)
    towns = list(towns)
    subscribers = towns[::2][: max(0, len(towns) - 1)]  # every other town, never all
    for service in Service.objects.filter(registered=True):
        offering = service.offerings.filter(available=True).first() or save_offering(
            {"provider": "Kreis-IT Landkreis Musterland", "contract_title": f"AVV {service.key}",
             "contract_version": "1.0", "price_model": "cost_pool", "amount": Decimal("24000.00"),
             "description": "Demo offering"}, actor=ACTOR, service=service)
        for town in subscribers:
            subscribe(town, offering)
    active = Subscription.objects.filter(status=SubscriptionStatus.ACTIVE, town__in=towns)
    result: dict[int, list[str]] = {town.pk: [] for town in towns}
    for town_id, key in active.values_list("town_id", "offering__service__key").order_by("offering__service__key"):
        result[town_id].append(key)
    return result


def subscribe(town, offering: Offering, *, actor=ACTOR) -> None:
    """Request, complete the checklist and activate, as a town would (used by the benchmarks too)."""
    if Subscription.objects.filter(town=town, offering__service=offering.service,
                                   status=SubscriptionStatus.ACTIVE).exists():
        return
    subscription = (Subscription.objects.filter(town=town, offering=offering, status=SubscriptionStatus.REQUESTED)
                    .first() or request_subscription(town, offering, actor=actor))
    for item in ChecklistItem.values:
        confirm_checklist_item(subscription, item, actor=actor, avv_version=offering.contract_version,
                               dpia_not_required_reason="Demo: keine echten personenbezogenen Daten")
    activate_subscription(subscription, actor=actor)
