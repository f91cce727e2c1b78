from decimal import Decimal

import pytest

from catalog.actions import (
    activate_subscription,
    confirm_checklist_item,
    request_subscription,
    save_offering,
    sync_catalogue,
)
from catalog.models import ChecklistItem, Offering, PriceModel, Service


def echo_offering(**values):
    sync_catalogue(actor="pytest")
    defaults = {"provider": "Kreis-IT Musterland", "contract_title": "AVV Echo", "contract_version": "2026-01",
                "price_model": PriceModel.COST_POOL, "amount": Decimal("12000.00"), "description": "Echo"}
    return save_offering({**defaults, **values}, actor="pytest", service=Service.objects.get(key="echo"))




def subscribe_through_workflow(town, offering, actor="pytest"):
    subscription = request_subscription(town, offering, actor=actor)
    complete_checklist(subscription, actor)
    return activate_subscription(subscription, actor=actor)


def subscribe_to_service(town, key: str, *, title: str, amount: Decimal) -> None:
    """An active subscription to the service ``key`` through the real workflow (its routes answer only then)."""
    sync_catalogue(actor="pytest")
    offering = Offering.objects.filter(service__key=key).first() or save_offering(
        {"provider": "Kreis-IT", "contract_title": title, "contract_version": "1.0",
         "price_model": "cost_pool", "amount": amount, "description": title},
        actor="pytest", service=Service.objects.get(key=key))
    subscribe_through_workflow(town, offering)


def subscribing(factory, subscribe):
    """Wrap a town factory: its towns ``subscribe`` (a function of the town) unless ``subscribed=False``."""

    def make(*args, subscribed: bool = True, **kwargs):
        town = factory(*args, **kwargs)
        if subscribed:
            subscribe(town)
        return town

    return make


@pytest.fixture
def echo_service(db):
    sync_catalogue(actor="pytest")
    return Service.objects.get(key="echo")


@pytest.fixture
def make_offering(echo_service, operator):
    def make(**values):
        defaults = {"provider": "Kreis-IT Musterland", "contract_title": "AVV Echo", "contract_version": "2026-01",
                    "price_model": PriceModel.COST_POOL, "amount": Decimal("12000.00"), "description": "Echo"}
        return save_offering({**defaults, **values}, actor=operator, service=echo_service)

    return make


@pytest.fixture
def offering(make_offering):
    return make_offering()


def complete_checklist(subscription, actor):
    for item in ChecklistItem.values:
        confirm_checklist_item(subscription, item, actor=actor, avv_version=subscription.offering.contract_version,
                               dpia_not_required_reason="Keine personenbezogenen Daten")


@pytest.fixture
def subscribe():
    """An active subscription of ``town`` to ``offering``, through the real workflow."""

    return subscribe_through_workflow
