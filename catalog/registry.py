"""The service registry: each service app carries a descriptor on its AppConfig (like pretix plugins).

``get_all_services()`` scans the installed apps; the catalogue syncs from it
(``catalog.actions.sync_catalogue``). Adding a service means adding an app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class RiskClass:
    """EU AI Act risk classes (Regulation (EU) 2024/1689)."""

    MINIMAL = "minimal"
    LIMITED = "limited"  # transparency obligations, Art. 50
    HIGH = "high"  # Annex III
    PROHIBITED = "prohibited"
    CHOICES = [(MINIMAL, _("Minimal risk")), (LIMITED, _("Limited risk (transparency obligations)")),
               (HIGH, _("High risk")), (PROHIBITED, _("Prohibited practice"))]
    LABELS = dict(CHOICES)


@dataclass(frozen=True)
class MeteringUnit:
    key: str
    name: str
    minutes_saved: Decimal  # staff minutes saved per unit: the efficiency model


@dataclass(frozen=True)
class Processor:
    name: str
    role: str
    location: str  # where the data is processed, e.g. "Deutschland (Rechenzentrum des Kreises)"


@dataclass(frozen=True)
class ServiceDescriptor:
    """What a service declares about itself. Texts are English source strings, translated with gettext."""

    key: str
    name: str
    description: str
    version: str
    risk_class: str
    data_categories: tuple[str, ...]
    processors: tuple[Processor, ...]
    data_location: str
    human_oversight: str
    units: tuple[MeteringUnit, ...] = ()
    # Default KI-Register texts: purpose, legal_basis, data_sources, risks, mitigations ...
    register_defaults: dict = field(default_factory=dict)
    permissions: tuple[str, ...] = ()  # roles that may use the service's pages
    urls: str | None = None  # module with the town-host URL patterns, mounted at /services/<key>/
    api_urls: str | None = None  # module with API patterns, mounted at /api/v1/services/<key>/
    tasks: tuple[str, ...] = ()

    def validate(self) -> None:
        if not self.key or not self.key.replace("_", "").isalnum() or self.key != self.key.lower():
            raise ImproperlyConfigured(f"service key {self.key!r} must be lower-case letters, digits, underscores")
        if self.risk_class not in RiskClass.LABELS:
            raise ImproperlyConfigured(f"service {self.key}: unknown risk class {self.risk_class!r}")
        for text in ("name", "description", "version", "human_oversight", "data_location"):
            if not str(getattr(self, text)).strip():
                raise ImproperlyConfigured(f"service {self.key}: {text} is required")
        if not self.processors or not self.data_categories:
            raise ImproperlyConfigured(f"service {self.key}: declare its processors and data categories")

    def snapshot(self) -> dict:
        """The descriptor as stored in the catalogue (English source texts)."""
        return {
            "key": self.key, "name": str(self.name), "version": self.version, "risk_class": self.risk_class,
            "data_categories": [str(c) for c in self.data_categories],
            "processors": [{"name": p.name, "role": str(p.role), "location": str(p.location)} for p in self.processors],
            "data_location": str(self.data_location), "human_oversight": str(self.human_oversight),
            "units": [{"key": u.key, "name": str(u.name), "minutes_saved": str(u.minutes_saved)} for u in self.units],
        }


def get_all_services() -> dict[str, ServiceDescriptor]:
    """Descriptors of every installed service app, by key."""
    found: dict[str, ServiceDescriptor] = {}
    for config in apps.get_app_configs():
        descriptor = getattr(config, "service", None)
        if descriptor is None:
            continue
        if not isinstance(descriptor, ServiceDescriptor):
            raise ImproperlyConfigured(f"{config.name}.service must be a ServiceDescriptor")
        descriptor.validate()
        if descriptor.key in found:
            raise ImproperlyConfigured(f"two apps register the service {descriptor.key!r}")
        found[descriptor.key] = descriptor
    return found


def get_service(key: str) -> ServiceDescriptor | None:
    return get_all_services().get(key)
