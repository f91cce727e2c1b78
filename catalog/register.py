"""The public KI-Register records (fields after the Dutch Algoritmeregister standard and the UK ATRS)."""

from __future__ import annotations

import json
from pathlib import Path

from django.utils import timezone

from catalog.models import ChecklistItem, RegisterEntry, SubscriptionStatus
from catalog.registry import RiskClass

SCHEMA_PATH = Path(__file__).with_name("schemas") / "ki-register.schema.json"

# Algoritmeregister publication categories, from the AI Act risk class.
PUBLICATION_CATEGORY = {RiskClass.HIGH: "high_risk_ai_system", RiskClass.PROHIBITED: "high_risk_ai_system",
                        RiskClass.LIMITED: "impactful_algorithm", RiskClass.MINIMAL: "other_algorithm"}

CSV_COLUMNS = ["id", "name", "short_description", "purpose", "status", "start_date", "end_date", "provider",
               "processors", "data_location", "data", "data_sources", "legal_basis", "human_oversight", "risks",
               "mitigations", "dpia_reference", "risk_class", "publication_category", "contact", "version",
               "last_updated"]


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
                return f"DSFA {item.confirmed_at:%Y-%m-%d} (SHA-256 {item.details.get('sha256', '')[:16]})"
            return f"DSFA nicht erforderlich: {item.details.get('reason', '')}"
    return ""


def record(entry: RegisterEntry) -> dict:
    subscription = entry.subscription
    service = subscription.offering.service
    descriptor = service.descriptor
    today = timezone.localdate()
    in_use = subscription.status == SubscriptionStatus.ACTIVE and (not subscription.ends_on or subscription.ends_on > today)
    end = subscription.ends_on or (timezone.localdate(subscription.ended_at) if subscription.ended_at else None)
    texts = entry.texts
    return {
        "id": f"{entry.town.ags}-{service.key}-{subscription.pk}",
        "organisation": {"name": entry.town.name, "ags": entry.town.ags},
        "name": texts.get("name", ""),
        "short_description": texts.get("short_description", ""),
        "purpose": texts.get("purpose", ""),
        "status": "in_use" if in_use else "retired",
        "start_date": timezone.localdate(subscription.activated_at).isoformat(),
        "end_date": end.isoformat() if end else None,
        "provider": subscription.offering.provider,
        "processors": descriptor.get("processors", []),
        "data_location": descriptor.get("data_location", ""),
        "data": descriptor.get("data_categories", []),
        "data_sources": texts.get("data_sources", ""),
        "legal_basis": texts.get("legal_basis", ""),
        "human_oversight": texts.get("human_oversight", ""),
        "risks": texts.get("risks", ""),
        "mitigations": texts.get("mitigations", ""),
        "dpia_reference": _dpia_reference(entry),
        "risk_class": service.risk_class,
        "publication_category": PUBLICATION_CATEGORY[service.risk_class],
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
