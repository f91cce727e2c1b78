"""The compliance checklist (DSK guidance): each item records who confirmed what; the DPO signs off."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from catalog.actions.errors import CatalogError
from catalog.models import ChecklistEntry, ChecklistItem, DpoSignOff, Subscription, SubscriptionStatus
from core.audit.log import actor_name, log_action
from core.documents.models import Document


def _details(subscription: Subscription, item: str, *, avv_version: str, dpia_file, dpia_not_required_reason: str,
             actor: Any) -> dict:
    if item == ChecklistItem.AVV:
        expected = subscription.offering.contract_version
        if avv_version != expected:
            raise CatalogError(_("Please accept the current version of the agreement (%(version)s).")
                               % {"version": expected})
        return {"version": expected, "document": subscription.offering.contract_title}
    if item == ChecklistItem.DPIA:
        if dpia_file is not None:
            from django.core.exceptions import ValidationError

            from core.uploads import validate_upload_size

            try:
                validate_upload_size(dpia_file)
            except ValidationError as error:
                raise CatalogError(" ".join(error.messages)) from None
            # The DPIA is the town's own document: it is stored in the town's schema.
            with schema_context(subscription.town.schema_name):
                document = Document.objects.create(
                    title=_("DPIA: %(service)s") % {"service": subscription.service.display_name},
                    file=dpia_file, uploaded_by=actor_name(actor))
            return {"status": "done", "document_id": document.pk, "sha256": document.sha256,
                    "filename": dpia_file.name}
        if dpia_not_required_reason.strip():
            return {"status": "not_required", "reason": dpia_not_required_reason.strip()}
        raise CatalogError(_("Upload the DPIA, or give the reason why none is required."))
    return {}


@transaction.atomic
def confirm_checklist_item(subscription: Subscription, item: str, *, actor: Any, avv_version: str = "",
                           dpia_file=None, dpia_not_required_reason: str = "") -> ChecklistEntry:
    subscription = Subscription.objects.select_for_update().select_related("offering__service", "town").get(
        pk=subscription.pk)
    if item not in ChecklistItem.values:
        raise CatalogError(_("Unknown checklist item."))
    if subscription.status != SubscriptionStatus.REQUESTED:
        raise CatalogError(_("The checklist can only be changed while the subscription is requested."))
    details = _details(subscription, item, avv_version=avv_version, dpia_file=dpia_file,
                       dpia_not_required_reason=dpia_not_required_reason, actor=actor)
    entry, _created = ChecklistEntry.objects.update_or_create(
        subscription=subscription, item=item, defaults={"confirmed_by": actor_name(actor), "details": details})
    log_action("catalog.checklist.confirmed", actor=actor, town=subscription.town, subscription_id=subscription.pk,
               service=subscription.service.key, item=item, **details)
    return entry


@transaction.atomic
def sign_off_checklist(subscription: Subscription, *, actor: Any, note: str = "") -> DpoSignOff:
    from catalog.actions.subscriptions import missing_checklist_items

    subscription = Subscription.objects.select_for_update().select_related("offering__service", "town").get(
        pk=subscription.pk)
    if missing_checklist_items(subscription):
        raise CatalogError(_("The data protection officer signs off a complete checklist only."))
    if hasattr(subscription, "dpo_sign_off"):
        raise CatalogError(_("The checklist has already been signed off."))
    sign_off = DpoSignOff.objects.create(subscription=subscription, signed_by=actor_name(actor), note=note)
    log_action("catalog.checklist.signed_off", actor=actor, town=subscription.town, subscription_id=subscription.pk,
               service=subscription.service.key, note=note)
    return sign_off
