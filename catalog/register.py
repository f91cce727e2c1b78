"""The public KI-Register records (fields after the Dutch Algoritmeregister standard and the UK ATRS)."""

from __future__ import annotations

import json
from pathlib import Path

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.models import ChecklistItem, RegisterEntry, SubscriptionStatus
from catalog.registry import RiskClass

SCHEMA_PATH = Path(__file__).with_name("schemas") / "ki-register.schema.json"

# Algoritmeregister publication categories, from the AI Act risk class.
PUBLICATION_CATEGORY = {RiskClass.HIGH: "high_risk_ai_system", RiskClass.PROHIBITED: "high_risk_ai_system",
                        RiskClass.LIMITED: "impactful_algorithm", RiskClass.MINIMAL: "other_algorithm"}

PUBLICATION_CATEGORY_LABELS = {"high_risk_ai_system": _("High-risk AI system"),
                              "impactful_algorithm": _("Algorithm with impact on citizens"),
                              "other_algorithm": _("Other algorithm")}
STATUS_LABELS = {"in_use": _("In use"), "retired": _("Retired")}

CSV_COLUMNS = ["id", "name", "short_description", "purpose", "status", "start_date", "end_date", "provider",
               "processors", "data_location", "data", "data_sources", "legal_basis", "human_oversight", "risks",
               "mitigations", "dpia_reference", "risk_class", "publication_category", "contact", "version",
               "last_updated", "status_label", "risk_class_label", "publication_category_label"]


def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def published_entries(town=None):
    """Entries of systems that are or were in use (never mere requests)."""
    entries = RegisterEntry.objects.filter(subscription__activated_at__isnull=False).select_related(
        "town", "subscription__offering__service")
    if town is not None:
        entries = entries.filter(town=town)
    return entries.prefetch_related("subscription__checklist").order_by("town__name", "pk")


def _dpia_reference(entry: RegisterEntry) -> str:
    if entry.texts.get("dpia_reference"):
        return entry.texts["dpia_reference"]
    for item in entry.subscription.checklist.all():
        if item.item == ChecklistItem.DPIA:
            if item.details.get("status") == "done":
                return gettext("DPIA of %(date)s (SHA-256 %(hash)s)") % {
                    "date": date_format(timezone.localdate(item.confirmed_at), "SHORT_DATE_FORMAT"),
                    "hash": item.details.get("sha256", "")[:16]}
            return gettext("DPIA not required: %(reason)s") % {"reason": item.details.get("reason", "")}
    return ""


def _defaults(meta) -> dict:
    """The descriptor's translatable texts an entry starts from (lazy: they follow the active language)."""
    if meta is None:
        return {}
    register_defaults = dict(meta.register_defaults)
    return {"name": meta.name, "short_description": meta.description, "human_oversight": meta.human_oversight,
            **{k: register_defaults[k] for k in ("purpose", "data_sources", "legal_basis", "risks", "mitigations")
               if k in register_defaults}}


def _in_every_language(text) -> set[str]:
    """A lazy text as German, English and its source string (entries stored before it was translated)."""
    variants = set()
    for language in ("de", "en", None):
        with translation.override(language):
            variants.add(str(text).strip())
    return variants


def localized_texts(entry: RegisterEntry, meta) -> dict:
    """The entry's texts in the active language: a text the town left as pre-filled follows the language
    of the page; a text the town wrote itself is shown as written."""
    texts = dict(entry.texts)
    for field, default in _defaults(meta).items():
        stored = (texts.get(field) or "").strip()
        if not stored or stored in _in_every_language(default):
            texts[field] = str(default)
    return texts


def record(entry: RegisterEntry) -> dict:
    subscription = entry.subscription
    service = subscription.offering.service
    descriptor = service.descriptor
    meta = service.meta
    today = timezone.localdate()
    in_use = subscription.status == SubscriptionStatus.ACTIVE and (not subscription.ends_on or subscription.ends_on > today)
    end = subscription.ends_on or (timezone.localdate(subscription.ended_at) if subscription.ended_at else None)
    texts = localized_texts(entry, meta)
    status = "in_use" if in_use else "retired"
    category = PUBLICATION_CATEGORY[service.risk_class]
    return {
        "id": f"{entry.town.ags}-{service.key}-{subscription.pk}",
        "organisation": {"name": entry.town.name, "ags": entry.town.ags},
        "name": texts.get("name", ""),
        "short_description": texts.get("short_description", ""),
        "purpose": texts.get("purpose", ""),
        "status": status,
        "status_label": str(STATUS_LABELS[status]),
        "start_date": timezone.localdate(subscription.activated_at).isoformat(),
        "end_date": end.isoformat() if end else None,
        "provider": subscription.offering.provider,
        "processors": descriptor.get("processors", []),
        "data_location": str(meta.data_location) if meta else descriptor.get("data_location", ""),
        "data": [str(c) for c in meta.data_categories] if meta else descriptor.get("data_categories", []),
        "data_sources": texts.get("data_sources", ""),
        "legal_basis": texts.get("legal_basis", ""),
        "human_oversight": texts.get("human_oversight", ""),
        "risks": texts.get("risks", ""),
        "mitigations": texts.get("mitigations", ""),
        "dpia_reference": _dpia_reference(entry),
        "risk_class": service.risk_class,
        "risk_class_label": str(RiskClass.LABELS[service.risk_class]),
        "publication_category": category,
        "publication_category_label": str(PUBLICATION_CATEGORY_LABELS[category]),
        "contact": texts.get("contact", ""),
        "service": {"key": service.key, "version": descriptor.get("version", service.version)},
        "version": entry.version,
        "last_updated": entry.updated_at.isoformat(),
    }


def document(town=None) -> dict:
    return {"schema_version": "1.0", "generated_at": timezone.now().isoformat(),
            "organisation": {"name": town.name, "ags": town.ags} if town else None,
            "entries": [record(entry) for entry in published_entries(town)]}


def csv_row(item: dict) -> list[str]:
    def flat(value):
        if isinstance(value, list):
            return "; ".join(f"{v['name']} ({v['role']}, {v['location']})" if isinstance(v, dict) else str(v)
                             for v in value)
        return "" if value is None else str(value)

    return [flat(item[column]) for column in CSV_COLUMNS]
