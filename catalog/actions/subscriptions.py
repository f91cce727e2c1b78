"""Subscription workflow: request → checklist → (county approval) → active → cancelled with an end date → ended."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.actions.errors import CatalogError
from catalog.actions.register import create_register_entry
from catalog.models import (
    OPEN_STATUSES,
    ChecklistItem,
    Offering,
    Subscription,
    SubscriptionStatus,
)
from core.audit.log import actor_name, log_action


def _locked(subscription: Subscription) -> Subscription:
    return Subscription.objects.select_for_update().select_related("offering__service", "town").get(pk=subscription.pk)


def missing_checklist_items(subscription: Subscription) -> list[str]:
    done = set(subscription.checklist.values_list("item", flat=True))
    return [item for item in ChecklistItem.values if item not in done]


@transaction.atomic
def request_subscription(town, offering: Offering, *, actor: Any) -> Subscription:
    if not offering.available or not offering.service.registered:
        raise CatalogError(_("This service is not available for subscription."))
    # One open subscription per service, whichever offering it came through.
    if Subscription.objects.filter(town=town, offering__service=offering.service, status__in=OPEN_STATUSES).exists():
        raise CatalogError(_("Your town has already requested or subscribed to this service."))
    subscription = Subscription.objects.create(town=town, offering=offering, requested_by=actor_name(actor))
    create_register_entry(subscription, actor=actor)
    log_action("catalog.subscription.requested", actor=actor, town=town, subscription_id=subscription.pk,
               service=offering.service.key, offering_id=offering.pk)
    return subscription


@transaction.atomic
def activate_subscription(subscription: Subscription, *, actor: Any) -> Subscription:
    """The town admin activates; with county approval required, it waits for the county instead."""
    subscription = _locked(subscription)
    if subscription.status != SubscriptionStatus.REQUESTED:
        raise CatalogError(_("Only a requested subscription can be activated."))
    missing = missing_checklist_items(subscription)
    if missing:
        labels = ", ".join(str(ChecklistItem(item).label) for item in missing)
        raise CatalogError(_("The compliance checklist is not complete: %(items)s") % {"items": labels})
    if subscription.offering.requires_county_approval:
        subscription.status = SubscriptionStatus.AWAITING_APPROVAL
        subscription.save(update_fields=["status"])
        log_action("catalog.subscription.approval_requested", actor=actor, town=subscription.town,
                   subscription_id=subscription.pk, service=subscription.service.key)
        return subscription
    return _activate(subscription, actor)


def _activate(subscription: Subscription, actor: Any) -> Subscription:
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.activated_by = actor_name(actor)
    subscription.activated_at = timezone.now()
    subscription.save(update_fields=["status", "activated_by", "activated_at"])
    log_action("catalog.subscription.activated", actor=actor, town=subscription.town,
               subscription_id=subscription.pk, service=subscription.service.key,
               contract_version=subscription.offering.contract_version)
    return subscription


@transaction.atomic
def approve_subscription(subscription: Subscription, *, actor: Any) -> Subscription:
    subscription = _locked(subscription)
    if subscription.status != SubscriptionStatus.AWAITING_APPROVAL:
        raise CatalogError(_("This subscription is not waiting for county approval."))
    subscription.approved_by = actor_name(actor)
    subscription.approved_at = timezone.now()
    subscription.save(update_fields=["approved_by", "approved_at"])
    log_action("catalog.subscription.approved", actor=actor, town=subscription.town,
               subscription_id=subscription.pk, service=subscription.service.key)
    return _activate(subscription, actor)


@transaction.atomic
def withdraw_subscription(subscription: Subscription, *, actor: Any) -> Subscription:
    subscription = _locked(subscription)
    if subscription.status not in (SubscriptionStatus.REQUESTED, SubscriptionStatus.AWAITING_APPROVAL):
        raise CatalogError(_("Only a subscription that is not yet active can be withdrawn."))
    subscription.status = SubscriptionStatus.WITHDRAWN
    subscription.save(update_fields=["status"])
    log_action("catalog.subscription.withdrawn", actor=actor, town=subscription.town,
               subscription_id=subscription.pk, service=subscription.service.key)
    return subscription


@transaction.atomic
def cancel_subscription(subscription: Subscription, *, ends_on: datetime.date, actor: Any) -> Subscription:
    """The service keeps working until ``ends_on`` (exclusive); the periodic task then ends it."""
    subscription = _locked(subscription)
    if subscription.status != SubscriptionStatus.ACTIVE:
        raise CatalogError(_("Only an active subscription can be cancelled."))
    if ends_on < timezone.localdate():
        raise CatalogError(_("The end date cannot lie in the past."))
    subscription.ends_on = ends_on
    subscription.cancelled_by = actor_name(actor)
    subscription.cancelled_at = timezone.now()
    subscription.save(update_fields=["ends_on", "cancelled_by", "cancelled_at"])
    log_action("catalog.subscription.cancelled", actor=actor, town=subscription.town,
               subscription_id=subscription.pk, service=subscription.service.key, ends_on=ends_on.isoformat())
    return subscription


def end_expired_subscriptions(*, today: datetime.date | None = None) -> list[int]:
    """Cancelled subscriptions whose end date has come end now; idempotent (each in its own transaction)."""
    today = today or timezone.localdate()
    ended = []
    due = Subscription.objects.filter(status=SubscriptionStatus.ACTIVE, ends_on__lte=today)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            subscription = Subscription.objects.select_for_update().select_related("offering__service", "town").get(pk=pk)
            if subscription.status != SubscriptionStatus.ACTIVE or not subscription.ends_on or subscription.ends_on > today:
                continue
            subscription.status = SubscriptionStatus.ENDED
            subscription.ended_at = timezone.now()
            subscription.save(update_fields=["status", "ended_at"])
            log_action("catalog.subscription.ended", actor="system", town=subscription.town,
                       subscription_id=subscription.pk, service=subscription.service.key,
                       ends_on=subscription.ends_on.isoformat())
            ended.append(pk)
    return ended


def close_town_subscriptions(town, *, actor: Any, reason: str) -> dict[str, list[int]]:
    """End a town's active subscriptions today and withdraw its open requests (the town leaves the Verbund).

    Runs inside the caller's transaction (offboarding). An ended subscription stops counting as a
    subscriber for the cost preview and billing, and its KI-Register entry shows it retired.
    """
    today = timezone.localdate()
    closed: dict[str, list[int]] = {"ended": [], "withdrawn": []}
    open_ = Subscription.objects.select_for_update().select_related("offering__service").filter(
        town=town, status__in=OPEN_STATUSES).order_by("pk")
    for subscription in open_:
        if subscription.status == SubscriptionStatus.ACTIVE:
            subscription.status = SubscriptionStatus.ENDED
            subscription.ended_at = timezone.now()
            if subscription.ends_on is None or subscription.ends_on > today:
                subscription.ends_on = today
            subscription.save(update_fields=["status", "ended_at", "ends_on"])
            action, bucket = "catalog.subscription.ended", "ended"
        else:
            subscription.status = SubscriptionStatus.WITHDRAWN
            subscription.save(update_fields=["status"])
            action, bucket = "catalog.subscription.withdrawn", "withdrawn"
        log_action(action, actor=actor, town=town, subscription_id=subscription.pk,
                   service=subscription.offering.service.key, reason=reason,
                   **({"ends_on": subscription.ends_on.isoformat()} if bucket == "ended" else {}))
        closed[bucket].append(subscription.pk)
    return closed
