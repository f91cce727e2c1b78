"""Every installed service keeps the service contract, checked through the registry.

Parametrised over ``catalog.registry.get_all_services()``, so a new service app is checked without
a line here: it is in the catalogue; each of its routes (pages at /<key>/, API at /api/v1/<key>/)
answers a member of an unsubscribed town with a 403 that says how to subscribe and is let through
for a subscribed town; its menu entries appear in subscribed towns only; its periodic tasks are in
the beat schedule and reach subscribed towns only; its demo seed can run twice; and every model it
keeps in town schemas is invisible from another town.
"""

from __future__ import annotations

import datetime
import re
import uuid
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.urls import URLResolver
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tenants.utils import schema_context

from catalog.registry import get_all_services
from tenants.models import Role

from .catalog.conftest import subscribe_through_workflow
from .conftest import host_client

SERVICES = sorted(get_all_services())
VALUES = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": str(uuid.UUID(int=0))}


def _routes(module_path: str | None, prefix: str) -> list[str]:
    """Concrete paths for every route of a URL module (converters filled with placeholder values)."""
    if module_path is None:
        return []

    def walk(patterns, base):
        for pattern in patterns:
            route = base + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            else:
                yield route

    routes = walk(import_module(module_path).urlpatterns, "")
    return [prefix + re.sub(r"<(?:(\w+):)?\w+>", lambda m: VALUES.get(m.group(1) or "str", "x"), route)
            for route in routes]


ROUTES = [(key, path) for key in SERVICES for path in
          _routes(get_all_services()[key].urls, f"/{key}/") + _routes(get_all_services()[key].api_urls,
                                                                        f"/api/v1/{key}/")]


def _app_config(key: str):
    return next(config for config in apps.get_app_configs() if getattr(config, "service", None) is not None
                and config.service.key == key)


TOWN_MODELS = [(key, model._meta.label) for key in SERVICES for model in _app_config(key).get_models()]


def subscribe(town, key: str) -> None:
    """An active subscription through the real workflow (request, checklist, activation)."""
    from catalog.actions import save_offering, sync_catalogue
    from catalog.models import Offering, Service

    sync_catalogue(actor="pytest")
    offering = Offering.objects.filter(service__key=key, available=True).first() or save_offering(
        {"provider": "Kreis-IT", "contract_title": f"AVV {key}", "contract_version": "1.0",
         "price_model": "cost_pool", "amount": Decimal("1200.00"), "description": key},
        actor="pytest", service=Service.objects.get(key=key))
    subscribe_through_workflow(town, offering)


def user_of(town, key, member_factory):
    """A member whose role the service admits (its first declared role, or a town admin)."""
    permissions = get_all_services()[key].permissions
    return member_factory(town, Role(permissions[0]) if permissions else Role.TOWN_ADMIN, f"{key}-{town.slug}")


@pytest.mark.parametrize("key", SERVICES)
def test_service_is_in_the_catalogue(key, make_town, member_factory):
    from catalog.actions import sync_catalogue
    from catalog.models import Service

    sync_catalogue(actor="pytest")
    assert Service.objects.get(key=key).registered
    town = make_town()
    page = host_client(town.host, member_factory(town, Role.TOWN_ADMIN)).get(f"/catalogue/{key}/")
    assert page.status_code == 200


@pytest.mark.parametrize("key, path", ROUTES)
def test_route_is_refused_for_an_unsubscribed_town_with_directions(key, path, make_town, member_factory):
    town = make_town()
    client = host_client(town.host, user_of(town, key, member_factory))
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        assert response.status_code == 403, (method, path, response.status_code)
        assert f"/catalogue/{key}/" in response.content.decode(), (method, path)


@pytest.mark.parametrize("key, path", ROUTES)
def test_route_is_let_through_for_a_subscribed_town(key, path, make_town, member_factory):
    town = make_town()
    subscribe(town, key)
    response = host_client(town.host, user_of(town, key, member_factory)).get(path)
    # The service's own answer: a page, a 404 for a placeholder id, a 405 for a POST-only endpoint.
    assert response.status_code != 403 and response.status_code < 500, (path, response.status_code)
    # (a service's route may answer with a PDF or an image: not every answer is UTF-8)
    assert f"/catalogue/{key}/" not in response.content.decode(errors="replace")


@pytest.mark.parametrize("key", SERVICES)
def test_menu_lists_the_service_in_subscribed_towns_only(key, make_town, member_factory):
    from django.urls import reverse

    menu = get_all_services()[key].menu
    subscribed, other = make_town(), make_town()
    subscribe(subscribed, key)
    for town, shown in ((subscribed, True), (other, False)):
        page = host_client(town.host, user_of(town, key, member_factory)).get("/catalogue/").content.decode()
        for item in menu:
            assert (f'href="{reverse(item.url_name, urlconf=settings.ROOT_URLCONF)}"' in page) is shown, (
                town.name, item)


@pytest.mark.parametrize("key", SERVICES)
def test_periodic_tasks_are_scheduled_for_subscribed_towns_only(key, make_town, tmp_path):
    from celery.utils.imports import symbol_by_name

    from catalog.schedule import DISPATCHER, subscribed_town_schemas
    from kiverbund.celery import app

    app.loader.import_default_modules()  # as a worker does: the apps' tasks modules
    # The scheduler beat runs (CELERY_BEAT_SCHEDULER), set up as beat sets it up.
    scheduler = symbol_by_name(app.conf.beat_scheduler)(app=app, schedule_filename=str(tmp_path / "beat"))
    try:
        for task in get_all_services()[key].periodic_tasks:
            entry = scheduler.schedule[task.name]
            assert entry.task == DISPATCHER and tuple(entry.args) == (task.task, key)
            assert entry.schedule.run_every.total_seconds() == task.seconds and task.task in app.tasks
        assert "end-expired-subscriptions" in scheduler.schedule  # the project's own entries stay
    finally:
        scheduler.close()
    subscribed, other = make_town(), make_town()
    subscribe(subscribed, key)
    schemas = subscribed_town_schemas(key)
    assert subscribed.schema_name in schemas and other.schema_name not in schemas


@pytest.mark.parametrize("key", [key for key in SERVICES if get_all_services()[key].demo_seed])
def test_demo_seed_runs_in_a_subscribed_town_and_again(key, make_town):
    town = make_town()
    subscribe(town, key)
    seed = import_string(get_all_services()[key].demo_seed)
    with schema_context(town.schema_name):
        first = seed(town)
        assert seed(town) == first  # idempotent: `make demo` may run again


# Values for fields of PostgreSQL types Django has no field class for, by database type.
BY_DB_TYPE = {"box": (0.0, 0.0, 1.0, 1.0)}


def _value(field, town):
    """A valid value for a required field without a default."""
    from django.db import connection

    if field.db_type(connection) in BY_DB_TYPE:
        return BY_DB_TYPE[field.db_type(connection)]
    if field.is_relation:
        return build(field.related_model, town)
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.IntegerField):
        return 1
    if isinstance(field, models.FloatField):
        return 1.0
    if isinstance(field, models.DecimalField):
        return Decimal(1)
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return datetime.date.today()
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.JSONField):
        return {}
    if field.empty_strings_allowed:
        return "x"
    pytest.fail(f"no test value for {field.model._meta.label}.{field.name} ({type(field).__name__}); "
                "give it a default or extend tests/test_service_contract.py")


def build(model, town):
    values = {}
    for field in model._meta.concrete_fields:
        if isinstance(field, models.AutoField) or field.has_default() or field.null:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        value = _value(field, town)
        values[field.attname if field.is_relation else field.name] = value.pk if field.is_relation else value
    return model.objects.create(**values)


@pytest.mark.parametrize("key, label", TOWN_MODELS)
def test_town_schema_model_is_invisible_from_another_town(key, label, make_town):
    model = apps.get_model(label)
    assert _app_config(key).name not in settings.SHARED_APPS, f"{label} must live in town schemas"
    town_a, town_b = make_town(), make_town()
    with schema_context(town_b.schema_name):
        before = model.objects.count()
    with schema_context(town_a.schema_name):
        row = build(model, town_a)
        assert model.objects.filter(pk=row.pk).exists()
    with schema_context(town_b.schema_name):
        assert model.objects.count() == before
        assert not model.objects.filter(pk=row.pk).exists()
