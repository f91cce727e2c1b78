"""Staff decide about detections (confirm, correct, reject); confirmed hazards become work orders."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit.log import actor_name, log_action
from services.roads.models import DamageClass, Decision, Detection, RoadsSettings, WorkOrder

ACTIONS = ("confirm", "correct", "reject", "reopen")
PAST = {"confirm": "confirmed", "correct": "corrected", "reject": "rejected", "reopen": "reopened"}
# A pothole on these roads is a hazard to traffic (Verkehrssicherungspflicht): a work order follows.
MAIN_ROADS = {"primary", "primary_link", "secondary", "secondary_link", "tertiary", "tertiary_link"}


class DecisionError(ValueError):
    pass


def is_hazard(detection: Detection) -> bool:
    return detection.damage_class == DamageClass.POTHOLE and detection.segment is not None and (
        detection.segment.highway in MAIN_ROADS)


def decide(detection: Detection, action: str, *, actor, town, damage_class: str | None = None,
           hazard: bool | None = None, note: str = "") -> Detection:
    if action not in ACTIONS:
        raise DecisionError(_("Unknown decision %(action)s.") % {"action": action})
    if damage_class is not None and damage_class not in DamageClass.values:
        raise DecisionError(_("Unknown damage class %(value)s.") % {"value": damage_class})
    if action == "correct" and not damage_class:
        raise DecisionError(_("A correction needs the right damage class."))
    with transaction.atomic():
        detection = Detection.objects.select_for_update(of=("self",)).select_related("segment", "capture").get(
            pk=detection.pk)
        before_status, before_class = detection.status, detection.damage_class
        if action in ("confirm", "correct"):
            detection.status = Detection.Status.CONFIRMED
            if damage_class:
                detection.damage_class = damage_class
        elif action == "reject":
            detection.status = Detection.Status.REJECTED
        else:
            detection.status = Detection.Status.SUGGESTED
            detection.damage_class = detection.suggested_class
        if action == "correct" and detection.damage_class == detection.suggested_class:
            action = "confirm"
        detection.hazard = (detection.status == Detection.Status.CONFIRMED
                            and (hazard if hazard is not None else is_hazard(detection)))
        detection.decided_by, detection.decided_at, detection.decision_note = actor_name(actor), timezone.now(), note
        detection.save(update_fields=["status", "damage_class", "hazard", "decided_by", "decided_at",
                                      "decision_note"])
        Decision.objects.create(detection=detection, action=action, from_status=before_status,
                                to_status=detection.status, from_class=before_class, to_class=detection.damage_class,
                                actor=actor_name(actor), note=note)
        log_action(f"roads.detection.{PAST[action]}", actor=actor, town=town, detection=detection.external_id, suggested=detection.suggested_class,
                   decided=detection.damage_class, status=detection.status)
        if detection.hazard and not detection.work_orders.filter(status=WorkOrder.Status.OPEN).exists():
            open_work_order(detection, actor=actor, town=town)
        from services.roads.actions.jobs import enqueue_grading

        enqueue_grading()
    return detection


def open_work_order(detection: Detection, *, actor, town, due_on: dt.date | None = None) -> WorkOrder:
    settings = RoadsSettings.current()
    with transaction.atomic():
        number = (WorkOrder.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        road = detection.segment.name if detection.segment and detection.segment.name else _("unnamed road")
        order = WorkOrder.objects.create(
            number=number, detection=detection, segment=detection.segment,
            title=_("%(damage)s, %(road)s") % {"damage": DamageClass(detection.damage_class).label, "road": road},
            description=detection.decision_note, lat=detection.lat, lon=detection.lon,
            due_on=due_on or timezone.localdate() + dt.timedelta(days=settings.hazard_due_days),
            created_by=actor_name(actor))
        log_action("roads.workorder.opened", actor=actor, town=town, number=number,
                   detection=detection.external_id, due_on=order.due_on.isoformat())
    return order


def close_work_order(order: WorkOrder, *, repair_note: str, actor, town) -> WorkOrder:
    if not repair_note.strip():
        raise DecisionError(_("Please describe the repair."))
    with transaction.atomic():
        order = WorkOrder.objects.select_for_update().get(pk=order.pk)
        if order.status == WorkOrder.Status.CLOSED:
            raise DecisionError(_("This work order is closed already."))
        order.status, order.repair_note = WorkOrder.Status.CLOSED, repair_note.strip()
        order.closed_by, order.closed_at = actor_name(actor), timezone.now()
        order.save(update_fields=["status", "repair_note", "closed_by", "closed_at"])
        log_action("roads.workorder.closed", actor=actor, town=town, number=order.number)
    return order
