"""Test set-up: real PostgreSQL and Redis (the ``test`` profile) unless DATABASE_URL/REDIS_URL point elsewhere."""

from __future__ import annotations

import pytest


def pytest_configure(config):
    from devtools.stack.__main__ import up_unless_external

    up_unless_external("test")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The template schema every test town is cloned from, created once per session."""
    from tenants.migrating import ensure_template_schema

    with django_db_blocker.unblock():
        ensure_template_schema()
    yield
