from decimal import Decimal

import pytest

from catalog.actions import (
    activate_subscription,
    confirm_checklist_item,
    request_subscription,
    save_offering,
    sync_catalogue,
)
from catalog.models import ChecklistItem, PriceModel, Service


def echo_offering(**values):
    sync_catalogue(actor="pytest")
    defaults = {"provider": "Kreis-IT Musterland", "contract_title": "AVV Echo", "contract_version": "2026-01",
                "price_model": PriceModel.COST_POOL, "amount": Decimal("12000.00"), "description": "Echo"}
    return save_offering({**defaults, **values}, actor="pytest", service=Service.objects.get(key="echo"))




def subscribe_through_workflow(town, offering, actor="pytest"):
    subscription = request_subscription(town, offering, actor=actor)
    complete_checklist(subscription, actor)
    return activate_subscription(subscription, actor=actor)


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
