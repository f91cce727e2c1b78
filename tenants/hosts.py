"""Which town a host name serves, cached: every request at a town host asks.

An answer is kept for ``CACHE_SECONDS`` and dropped when the town or one of its
domains is saved or deleted (signals connected in ``apps``); a status change,
which updates the row directly, calls ``forget_town_hosts`` (offboarding needs not:
it deletes the domains).
"""

from __future__ import annotations

from kiverbund import caching
from tenants.models import Domain

CACHE_SECONDS = 60


def _key(hostname: str) -> str:
    return f"town-host:{hostname}"


def town_for_host(hostname: str):
    """The town served at ``hostname`` (any status), or None."""
    town = caching.shared().get(_key(hostname))
    if town is None:
        domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
        if domain is None:
            return None
        town = domain.tenant
        caching.shared().set(_key(hostname), town, CACHE_SECONDS)
    return town


def forget_town_hosts(town_pk, hosts=()) -> None:
    """Drop the cached town of every host of this town (and of ``hosts``, e.g. domains just deleted)."""
    found = Domain.objects.filter(tenant_id=town_pk).values_list("domain", flat=True)
    caching.forget(*(_key(host) for host in {*hosts, *found}))


def town_changed(sender, instance, **kwargs) -> None:
    forget_town_hosts(instance.pk)


def domain_changed(sender, instance, **kwargs) -> None:
    forget_town_hosts(instance.tenant_id, hosts=[instance.domain])
