"""KI-Register entries: pre-filled when a town requests a service, edited by the DPO and town admin."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from catalog.actions.errors import CatalogError
from catalog.models import RegisterEntry, RegisterEntryVersion, Subscription
from core.audit.log import actor_name, log_action

# Free texts of an entry; everything else is derived from the subscription and descriptor.
EDITABLE_FIELDS = ["name", "short_description", "purpose", "data_sources", "legal_basis", "human_oversight",
                   "risks", "mitigations", "dpia_reference", "contact"]


def default_texts(subscription: Subscription) -> dict:
    meta = subscription.service.meta
    defaults = dict(meta.register_defaults) if meta else {}
    town = subscription.town
    # The register is published in German first.
    with translation.override("de"):
        texts = {
            "name": str(meta.name) if meta else subscription.service.name,
            "short_description": str(meta.description) if meta else "",
            "purpose": str(defaults.get("purpose", "")),
            "data_sources": str(defaults.get("data_sources", "")),
            "legal_basis": str(defaults.get("legal_basis", "")),
            "human_oversight": str(meta.human_oversight) if meta else "",
            "risks": str(defaults.get("risks", "")),
            "mitigations": str(defaults.get("mitigations", "")),
            "dpia_reference": "",
            "contact": town.contact_email or town.contact_name or "",
        }
    return texts


def create_register_entry(subscription: Subscription, *, actor: Any) -> RegisterEntry:
    texts = default_texts(subscription)
    entry = RegisterEntry.objects.create(subscription=subscription, town=subscription.town, texts=texts,
                                         updated_by=actor_name(actor))
    RegisterEntryVersion.objects.create(entry=entry, version=1, texts=texts, edited_by=actor_name(actor))
    return entry


@transaction.atomic
def update_register_entry(entry: RegisterEntry, texts: dict, *, actor: Any) -> RegisterEntry:
    entry = RegisterEntry.objects.select_for_update().get(pk=entry.pk)
    unknown = set(texts) - set(EDITABLE_FIELDS)
    if unknown:
        raise CatalogError(_("These fields cannot be edited: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    new = {**entry.texts, **{k: str(v).strip() for k, v in texts.items()}}
    if not new.get("name"):
        raise CatalogError(_("The entry needs a name."))
    changed = sorted(k for k in EDITABLE_FIELDS if new.get(k, "") != entry.texts.get(k, ""))
    if not changed:
        return entry
    entry.texts = new
    entry.version += 1
    entry.updated_by = actor_name(actor)
    entry.save()
    RegisterEntryVersion.objects.create(entry=entry, version=entry.version, texts=new, edited_by=actor_name(actor))
    log_action("catalog.register.updated", actor=actor, town=entry.town, entry_id=entry.pk,
               subscription_id=entry.subscription_id, version=entry.version, fields=changed)
    return entry
