"""Which town a host name serves, cached: every request at a town host asks.

Two layers: each process keeps an answer for ``LOCAL_SECONDS`` (no round trip at all),
the shared cache for ``CACHE_SECONDS``. Both are dropped when the town or one of its
domains is saved or deleted (signals connected in ``apps``); a status change, which
updates the row directly, calls ``forget_town_hosts`` (offboarding needs not: it
deletes the domains). Another process may serve its copy up to ``LOCAL_SECONDS``
longer: a suspension or offboarding reaches every web worker within that time.
"""

from __future__ import annotations

import time

from core import caching
from tenants.models import Domain, Town

CACHE_SECONDS = 60
LOCAL_SECONDS = 5
_LOCAL_LIMIT = 10_000
# hostname -> (monotonic expiry, the town's field values)
_local: dict[str, tuple[float, dict]] = {}
_FIELDS = [field.attname for field in Town._meta.concrete_fields]


def _key(hostname: str) -> str:
    return f"town-host:{hostname}"


def _copy(values: dict) -> Town:
    # A fresh instance per request: requests in other threads must never share one.
    return Town.from_db("default", _FIELDS, [values[name] for name in _FIELDS])


def town_for_host(hostname: str):
    """The town served at ``hostname`` (any status), or None."""
    now = time.monotonic()
    known = _local.get(hostname)
    if known is not None and known[0] > now:
        return _copy(known[1])
    town = caching.shared().get(_key(hostname))
    if town is None:
        domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
        if domain is None:
            return None
        town = domain.tenant
        caching.shared().set(_key(hostname), town, CACHE_SECONDS)
    if len(_local) >= _LOCAL_LIMIT:
        _local.clear()
    _local[hostname] = (now + LOCAL_SECONDS, {name: getattr(town, name) for name in _FIELDS})
    return town


def forget_town_hosts(town_pk, hosts=()) -> None:
    """Drop the cached town of every host of this town (and of ``hosts``, e.g. domains just deleted)."""
    found = set(Domain.objects.filter(tenant_id=town_pk).values_list("domain", flat=True))
    for host in {*hosts, *found}:
        _local.pop(host, None)
    for host, (_until, values) in list(_local.items()):
        if values.get("id") == town_pk:
            _local.pop(host, None)
    caching.forget(*(_key(host) for host in {*hosts, *found}))


def town_changed(sender, instance, **kwargs) -> None:
    forget_town_hosts(instance.pk)


def domain_changed(sender, instance, **kwargs) -> None:
    forget_town_hosts(instance.tenant_id, hosts=[instance.domain])
