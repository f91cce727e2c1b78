"""Large knowledge-base files are imported by the Celery worker (tests/worker.py); errors still show at once."""

import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from core.audit.models import AuditEntry
from services.chatbot.actions.imports import INLINE_ROWS
from services.chatbot.models import Entry
from tenants.models import Role

from ..conftest import host_client


def rows(count: int) -> list[dict]:
    return [{"id": f"q{n}", "question": f"Frage Nummer {n} zum Rathaus?", "answer": f"Antwort {n}."}
            for n in range(count)]


def test_a_large_file_with_errors_is_refused_at_once_and_nothing_is_queued(town_a, member_factory,
                                                                           django_capture_on_commit_callbacks):
    client = host_client(town_a.host, member_factory(town_a, Role.TOWN_STAFF, "staff-big"))
    bad = rows(INLINE_ROWS + 5)
    bad[7]["question"] = ""
    with django_capture_on_commit_callbacks() as queued:
        response = client.post("/chatbot/import/", {"file": SimpleUploadedFile("kb.json", json.dumps(bad).encode())})
    assert response.status_code == 400 and "question (Frage) fehlt" in response.content.decode()
    assert queued == []


@pytest.mark.worker
def test_a_large_file_is_imported_by_the_worker_once(committed_town, django_user_model, celery_worker):
    from tenants.models import Membership

    town = committed_town("Importheim", "09999741")
    staff = django_user_model.objects.create_user("staff-importheim")
    Membership.objects.create(user=staff, town=town, role=Role.TOWN_STAFF)
    client = host_client(town.host, staff)
    count = INLINE_ROWS + 20
    response = client.post("/chatbot/import/", {"file": SimpleUploadedFile("kb.json", json.dumps(rows(count)).encode())},
                           follow=True)
    assert response.status_code == 200
    assert "has started" in str(list(response.context["messages"])[0]) or "gestartet" in response.content.decode()
    deadline = time.monotonic() + 180
    while not AuditEntry.objects.filter(action="chatbot.kb.imported", town=town).exists() \
            and time.monotonic() < deadline:
        time.sleep(0.5)
    assert AuditEntry.objects.filter(action="chatbot.kb.imported", town=town).count() == 1
    with schema_context(town.schema_name):
        assert Entry.objects.count() == count
        assert not Entry.objects.filter(embedding__isnull=True).exists()
