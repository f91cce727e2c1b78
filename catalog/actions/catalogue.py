"""Catalogue sync from the registry, and offerings edited by county IT."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from catalog.actions.errors import CatalogError
from catalog.models import Offering, PriceModel, Service
from catalog.registry import get_all_services
from core.audit.log import log_action

OFFERING_FIELDS = ["description", "provider", "contract_title", "contract_version", "contract_url", "price_model",
                   "amount", "unit", "available", "requires_county_approval"]


@transaction.atomic
def sync_catalogue(*, actor: Any = "system", audit: bool = True) -> list[str]:
    """Make the ``Service`` rows match the installed service apps; returns the keys that changed.

    ``migrate`` syncs with ``audit=False``: like the migrations themselves, it mirrors the deployed code
    and is no one's decision; a sync run by a person (``manage.py sync_catalogue``) is audited.
    """
    # The stored name and snapshot are in the platform's default language, whichever language the
    # caller (a German request, an English management command) has active.
    with translation.override(settings.LANGUAGE_CODE):
        return _sync(actor, audit)


def _sync(actor: Any, audit: bool) -> list[str]:
    changed = []
    log = log_action if audit else (lambda *args, **kwargs: None)
    registry = get_all_services()
    for key, meta in registry.items():
        values = {"name": str(meta.name), "version": meta.version, "risk_class": meta.risk_class,
                  "descriptor": meta.snapshot(), "registered": True}
        service, created = Service.objects.get_or_create(key=key, defaults=values)
        if created:
            log("catalog.service.registered", actor=actor, service=key, version=meta.version)
            changed.append(key)
        elif any(getattr(service, name) != value for name, value in values.items()):
            Service.objects.filter(pk=service.pk).update(**values)
            log("catalog.service.updated", actor=actor, service=key, version=meta.version)
            changed.append(key)
    for service in Service.objects.filter(registered=True).exclude(key__in=registry):
        Service.objects.filter(pk=service.pk).update(registered=False)
        log("catalog.service.unregistered", actor=actor, service=service.key)
        changed.append(service.key)
    return changed


@transaction.atomic
def save_offering(values: dict, *, actor: Any, offering: Offering | None = None,
                  service: Service | None = None) -> Offering:
    """Create (with ``service``) or change an offering; the audit entry lists what changed."""
    if values.get("price_model") == PriceModel.PER_UNIT and not values.get("unit"):
        service = service or (offering.service if offering else None)
        units = (service.descriptor.get("units") if service else None) or []
        values = {**values, "unit": units[0]["key"] if units else ""}
    if offering is None:
        if service is None or not service.registered:
            raise CatalogError(_("This service is not installed on the platform."))
        offering = Offering.objects.create(service=service, **{k: v for k, v in values.items() if k in OFFERING_FIELDS})
        log_action("catalog.offering.created", actor=actor, offering_id=offering.pk, service=service.key,
                   **{k: str(getattr(offering, k)) for k in OFFERING_FIELDS})
        return offering
    offering = Offering.objects.select_for_update().get(pk=offering.pk)
    changes = {}
    for name in OFFERING_FIELDS:
        if name in values and getattr(offering, name) != values[name]:
            changes[name] = [str(getattr(offering, name)), str(values[name])]
            setattr(offering, name, values[name])
    if changes:
        offering.full_clean()
        offering.save()
        log_action("catalog.offering.changed", actor=actor, offering_id=offering.pk, service=offering.service.key,
                   changes=changes)
    return offering
