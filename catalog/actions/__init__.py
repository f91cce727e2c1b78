"""What can be done in the catalogue. Views, API and commands all call these functions."""

from catalog.actions.catalogue import save_offering, sync_catalogue
from catalog.actions.checklist import confirm_checklist_item, sign_off_checklist
from catalog.actions.errors import CatalogError
from catalog.actions.register import update_register_entry
from catalog.actions.subscriptions import (
    activate_subscription,
    approve_subscription,
    cancel_subscription,
    close_town_subscriptions,
    end_expired_subscriptions,
    missing_checklist_items,
    request_subscription,
    withdraw_subscription,
)

__all__ = ["CatalogError", "sync_catalogue", "save_offering", "request_subscription", "confirm_checklist_item",
           "sign_off_checklist", "activate_subscription", "approve_subscription", "withdraw_subscription",
           "cancel_subscription", "close_town_subscriptions", "end_expired_subscriptions", "missing_checklist_items",
           "update_register_entry"]
