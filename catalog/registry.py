"""The service registry: each service app carries a descriptor on its AppConfig (like pretix plugins).

``get_all_services()`` scans the installed apps. Everything the platform does with a service starts
here: the catalogue syncs from it (``catalog.actions.sync_catalogue``), ``catalog.mounting`` mounts
its URL modules behind the entitlement gate, ``catalog.menu`` lists its pages for subscribed towns,
``catalog.schedule`` adds its periodic tasks to the beat schedule, the demo calls its seed hook, and
``catalog.checks`` validates every descriptor once at start-up. Adding a service means adding an app.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.core.signals import setting_changed
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
class MenuItem:
    """An entry of the town menu, shown to members of subscribed towns whose role may use the service."""

    label: str
    url_name: str  # e.g. "chatbot:entries"; reversed at the town host


@dataclass(frozen=True)
class PeriodicTask:
    """A town task run every ``seconds`` in each active town subscribed to the service."""

    name: str  # the beat schedule's entry name, unique across services ("chatbot-retention")
    task: str  # the registered name of a town task (``core.tasks.town_task``)
    seconds: float


@dataclass(frozen=True)
class DashboardItem:
    """One line on a town's start page: open work (``count`` items to do) or something new (``when``)."""

    label: str
    url: str
    count: int | None = None
    when: object = None  # a datetime for news
    detail: str = ""


KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


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
    # Module with the pages' ``urlpatterns`` (``app_name = "<key>"``), mounted at /<key>/ on a town host.
    urls: str | None = None
    # Module with the API's ``urlpatterns`` (``app_name = "<key>-api"``), mounted at /api/v1/<key>/.
    api_urls: str | None = None
    menu: tuple[MenuItem, ...] = ()
    periodic_tasks: tuple[PeriodicTask, ...] = ()
    # Dotted path of ``dashboard(town, user) -> (tasks, news)``: two lists of DashboardItem for the town's start
    # page (open work with counts; the newest things that came in). Called in the town's schema.
    dashboard: str | None = None
    # Dotted path of ``seed(town) -> dict | None``, called by the demo in each subscribed demo town's schema.
    demo_seed: str | None = None
    # Dotted path of ``starter(town) -> dict | None``, called in every newly onboarded town's schema: the
    # defaults a town starts with and edits later (the chatbot: sensitive topics with help numbers).
    town_starter: str | None = None

    def problems(self) -> list[str]:
        """What is wrong with the declaration itself; ``catalog.checks`` adds what needs imports."""
        if not isinstance(self.key, str) or not KEY_PATTERN.match(self.key):
            return [f"service key {self.key!r} must start with a lower-case letter and hold only lower-case "
                    "letters, digits and underscores"]
        found = []
        if self.risk_class not in RiskClass.LABELS:
            found.append(f"unknown risk class {self.risk_class!r}")
        for text in ("name", "description", "version", "human_oversight", "data_location"):
            if not str(getattr(self, text) or "").strip():
                found.append(f"{text} is required")
        if not self.processors or not self.data_categories:
            found.append("declare its processors and data categories")
        if not all(isinstance(unit, MeteringUnit) for unit in self.units):
            found.append("units must be MeteringUnit(key, name, minutes_saved)")
        if not all(isinstance(item, MenuItem) for item in self.menu):
            found.append("menu entries must be MenuItem(label, url_name)")
        if not all(isinstance(task, PeriodicTask) for task in self.periodic_tasks):
            found.append("periodic_tasks must be PeriodicTask(name, task, seconds)")
        elif any(not isinstance(task.seconds, int | float) or task.seconds <= 0 for task in self.periodic_tasks):
            found.append("a periodic task's seconds must be a positive number")
        return [f"service {self.key}: {problem}" for problem in found]

    def snapshot(self) -> dict:
        """The descriptor as stored in the catalogue (English source texts)."""
        return {
            "key": self.key, "name": str(self.name), "version": self.version, "risk_class": self.risk_class,
            "data_categories": [str(c) for c in self.data_categories],
            "processors": [{"name": p.name, "role": str(p.role), "location": str(p.location)} for p in self.processors],
            "data_location": str(self.data_location), "human_oversight": str(self.human_oversight),
            "units": [{"key": u.key, "name": str(u.name), "minutes_saved": str(u.minutes_saved)} for u in self.units],
        }


@functools.cache
def get_all_services() -> dict[str, ServiceDescriptor]:
    """Descriptors of every installed service app, by key (read once per set of installed apps)."""
    apps.check_apps_ready()  # never remember a half-loaded registry
    found: dict[str, ServiceDescriptor] = {}
    for config in apps.get_app_configs():
        descriptor = getattr(config, "service", None)
        if descriptor is None:
            continue
        # A wrong declaration is reported by the system check at start-up (catalog.checks), not per request.
        if isinstance(descriptor, ServiceDescriptor) and descriptor.key not in found:
            found[descriptor.key] = descriptor
    return found


def get_service(key: str) -> ServiceDescriptor | None:
    return get_all_services().get(key)


def unit_choices(service: str | None = None) -> list[tuple[str, str]]:
    """Metering units to choose from in forms: of one service, or of every service ("Service: unit")."""
    if service is not None:
        descriptor = get_service(service)
        return [(u.key, str(u.name)) for u in descriptor.units] if descriptor else []
    return [(u.key, f"{descriptor.name}: {u.name}") for descriptor in get_all_services().values()
            for u in descriptor.units]



def _forget_services(setting, **kwargs) -> None:
    if setting == "INSTALLED_APPS":
        get_all_services.cache_clear()


setting_changed.connect(_forget_services, dispatch_uid="catalog-registry-installed-apps")
