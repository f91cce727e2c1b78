"""Test set-up: real PostgreSQL and Redis (the ``test`` profile) unless DATABASE_URL/REDIS_URL point elsewhere."""

from __future__ import annotations

import os

import pytest


def pytest_configure(config):
    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        return
    from kiverbund.stack.__main__ import up

    up("test")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The template schema every test town is cloned from, created once per session."""
    from tenants.schemas import ensure_template_schema

    with django_db_blocker.unblock():
        ensure_template_schema()
    yield
