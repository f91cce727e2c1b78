"""Schemathesis over the committed schema (docs/openapi.yaml), with every authenticated role.

For every documented operation, generated requests (valid ones and deliberately
invalid ones) are sent through the real Django application, as anonymous
callers, as each role of a town with real Keycloak tokens (town admin, staff,
finance, data protection officer, the town's service account) at the town's
host, and as county IT, county finance and a service account at the console
host (each generated request goes to one of them). No answer may be a server error, and every answer must be one the
schema documents: status code, content type and body.

The number of generated examples per operation and mode is bounded
(``SCHEMATHESIS_EXAMPLES``, default 6; each example goes to one of the callers,
drawn by Hypothesis) and the generation is derandomised, so the run is
repeatable and stays within a couple of minutes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .chatbot.conftest import TOWN_FAQ, subscribe_to_chatbot
from .sso.test_api_auth import person, service_account, towns  # noqa: F401  (fixtures)
from .sso.test_tokens import _fresh_key_cache, clients  # noqa: F401  (fixtures)

pytestmark = pytest.mark.keycloak

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "openapi.yaml"
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "6"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Operations served at the console host; every other path (the services' APIs included) is a town's.
CONSOLE_PATHS = ("/api/v1/towns/", "/api/v1/billing/", "/api/v1/county/", "/api/v1/offerings/",
                 "/api/v1/services/")


@pytest.fixture
def application():
    """The project's WSGI application, inside this test's transaction (as Django's test client does it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _exercise(operation, mode, application, host: str, callers: dict):
    """A Hypothesis test for one operation and mode: generated requests, each sent as one of the callers."""

    @given(case=operation.as_strategy(generation_mode=mode), role=st.sampled_from(sorted(callers)))
    @hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                         phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def exercise(case, role):
        token = callers[role]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = case.call(app=application, base_url=f"http://{host}", headers=headers)
        try:
            case.validate_response(response, checks=CHECKS)
        except BaseException as failure:
            failure.add_note(f"as {role} at {host}")
            raise

    return exercise


def test_no_operation_answers_with_a_server_error_or_outside_its_schema(towns, person, service_account,
                                                                       application, settings, monkeypatch):
    from django_tenants.utils import schema_context

    from services.chatbot.actions.knowledge import import_entries

    town, _other = towns
    subscribe_to_chatbot(town)
    with schema_context(town.schema_name):
        import_entries(TOWN_FAQ, actor="pytest", town=town)
    from services.chatbot import conf

    monkeypatch.setattr(conf, "RATE_PER_CLIENT", 1_000_000)
    monkeypatch.setattr(conf, "RATE_PER_TOWN", 1_000_000)
    machine = service_account(town)
    callers = {
        "town": {"anonymous": None, "machine": machine,
                 **{role: person(f"fuzz-{role}", [role], town)
                    for role in ("town_admin", "town_staff", "finance", "dpo")}},
        "console": {"anonymous": None, "machine": machine,
                    **{role: person(f"fuzz-{role}", [role]) for role in ("platform_admin", "county_finance")}},
    }
    schema = schemathesis.openapi.from_path(str(SCHEMA))
    problems: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        side = "console" if operation.path.startswith(CONSOLE_PATHS) else "town"
        host = town.host if side == "town" else settings.PLATFORM_DOMAIN
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            exercise = _exercise(operation, mode, application, host, callers[side])
            try:
                exercise()
            except Unsatisfiable:
                # Nothing invalid can be made for this operation (e.g. one free-text path parameter).
                continue
            except (Exception, BaseExceptionGroup) as failure:  # collect every operation's failures
                notes = "\n".join(getattr(failure, "__notes__", []))
                problems.append(f"{operation.label} [{mode.value}]: {str(failure)[:1500]}\n{notes[:1500]}")
    assert operations > 30
    assert not problems, f"{len(problems)} operation(s) failed:\n\n" + "\n\n".join(problems)
