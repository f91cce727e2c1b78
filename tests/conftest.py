from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test import Client

from tenants.actions import TownData, onboard_town
from tenants.models import Membership, Role, Town

_ags_numbers = itertools.count()


def next_test_ags() -> tuple[int, str]:
    """A fresh AGS in Bavaria's Kreise 980–989, which no test names by hand: 900 towns a Kreis, 9,000 in all."""
    number = next(_ags_numbers)
    kreis, gemeinde = divmod(number, 900)
    if kreis > 9:
        raise RuntimeError("the test session has onboarded more than 9,000 towns")
    return number, f"09{989 - kreis:03d}{100 + gemeinde:03d}"


@pytest.fixture
def make_town(db):
    """Onboard a real town (schema cloned from the template) inside the test's transaction."""

    def make(name: str | None = None, *, ags: str | None = None, population: int = 10_000, activate: bool = True,
             **extra) -> Town:
        number, generated = next_test_ags()
        ags = ags or generated
        town, _created = onboard_town(
            TownData(ags=ags, name=name or f"Teststadt {number}", population=population, **extra),
            actor="pytest", activate=activate,
        )
        return town

    return make


@pytest.fixture
def town_a(make_town):
    return make_town("Amtsdorf")


@pytest.fixture
def town_b(make_town):
    return make_town("Burgheim")


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_user("kreis-it", password="operator-password-1", is_staff=True)


@pytest.fixture
def break_glass(django_user_model):
    return django_user_model.objects.create_superuser("notfall", password="break-glass-password-1")


@pytest.fixture
def member_factory(django_user_model):
    def make(town: Town, role: Role = Role.TOWN_STAFF, username: str | None = None):
        user = django_user_model.objects.create_user(username or f"{role}-{town.slug}", password="member-password-1")
        Membership.objects.create(user=user, town=town, role=role)
        return user

    return make


def host_client(host: str, user=None) -> Client:
    client = Client(HTTP_HOST=host)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def console_host(settings):
    return settings.PLATFORM_DOMAIN


@pytest.fixture(autouse=True)
def _public_schema_after_test():
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _default_language_after_test(settings):
    """A request in English (the chatbot activates the citizen's language) must not leave the thread English."""
    yield
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_shared_cache_after_test(settings):
    """The database is rolled back after a test, the shared cache (core.caching) is not: empty it."""
    yield
    import redis

    client = redis.Redis.from_url(settings.CACHES["shared"]["LOCATION"])
    keys = list(client.scan_iter(match=f"{settings.CACHES['shared']['KEY_PREFIX']}:*"))
    if keys:
        client.delete(*keys)
    client.close()
    from tenants import hosts

    hosts._local.clear()


@pytest.fixture(autouse=True)
def _media_per_test(settings, tmp_path):
    """Uploaded files of one test never meet another's (the database is rolled back, files are not)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # django-tenants' storage caches its root until this setting changes (not MEDIA_ROOT).
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
    settings.EXPORT_ROOT = tmp_path / "exports"


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """One real worker process for the session; tasks are routed to its own queue."""
    import os

    from kiverbund.celery import app

    from .roads import tiny_model
    from .worker import Worker

    queue = f"kiverbund-test-{os.getpid()}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    # The county's damage-model slot holds the tiny ONNX model the road tests build (no weights exist here).
    model = tiny_model.build(tmp_path_factory.mktemp("roads-model") / "county.onnx")
    worker = Worker(queue, tmp_path_factory.mktemp("worker") / "worker.log", env={"ROADS_DAMAGE_MODEL": str(model)})
    with django_db_blocker.unblock():
        worker.start()
    yield worker
    worker.stop()
    app.conf.task_default_queue = previous


@pytest.fixture
def committed_town(transactional_db):
    """Towns whose rows and schemas are committed (for worker processes); schemas dropped afterwards."""
    from tenants.schemas import drop_schema

    made: list[Town] = []

    def make(name: str, ags: str, *, activate: bool = True) -> Town:
        town, _ = onboard_town(TownData(ags=ags, name=name, population=1000), actor="pytest", activate=activate)
        made.append(town)
        return town

    yield make
    for town in made:
        drop_schema(town.schema_name)


from .sso_fixtures import keycloak, keycloak_admin, mailbox, sso  # noqa: E402,F401  (shared fixtures)
