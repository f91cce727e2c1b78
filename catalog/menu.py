"""The town menu's service entries: from the registry, for the services this town is subscribed to.

Like pretix's ``nav_event`` signal, which only active plugins answer: a service declares its entries
(``ServiceDescriptor.menu``) and the platform shows them to members whose town has an active
subscription and whose role the service admits.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from catalog.entitlement import has_active_subscription, may_use
from catalog.registry import get_all_services


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    service: str


def service_menu(user, town) -> list[Link]:
    if town is None or user is None or not user.is_authenticated:
        return []
    links = []
    for key, meta in get_all_services().items():
        if not meta.menu or not has_active_subscription(town, key) or not may_use(user, town, key):
            continue
        for item in meta.menu:
            try:
                links.append(Link(label=str(item.label), url=reverse(item.url_name), service=key))
            except NoReverseMatch:
                continue  # reported at start-up by catalog.checks; a menu never breaks a page
    return links
