"""Each service's own demo data: its descriptor's ``demo_seed`` hook, in every subscribed demo town."""

from __future__ import annotations

from django.utils.module_loading import import_string
from django_tenants.utils import schema_context

from catalog.registry import get_all_services


def ensure_demo_service_data(towns, services: dict[int, list[str]]) -> dict[int, dict]:
    """Calls ``seed(town)`` of each service a town is subscribed to; returns what the hooks report,
    by town id and service key (for ``.demo/demo.json``)."""
    hooks = {key: import_string(meta.demo_seed) for key, meta in get_all_services().items() if meta.demo_seed}
    result: dict[int, dict] = {}
    for town in towns:
        result[town.pk] = {}
        for key in services.get(town.pk, []):
            if key not in hooks:
                continue
            with schema_context(town.schema_name):
                reported = hooks[key](town)
            if reported is not None:
                result[town.pk][key] = reported
    return result
