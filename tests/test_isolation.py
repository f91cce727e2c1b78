"""Town A's data never reaches town B: ORM, HTTP by host, Celery tasks, cache keys, uploaded files."""

from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from core.documents.models import Document
from kiverbund.celery import app
from tenants.models import Role

from .conftest import host_client


def test_orm_sees_only_the_current_town(town_a, town_b):
    with schema_context(town_a.schema_name):
        Document.objects.create(title="Haushaltsplan Amtsdorf", file=ContentFile(b"A", name="plan.txt"))
    with schema_context(town_b.schema_name):
        assert Document.objects.count() == 0
        assert not Document.objects.filter(title__contains="Amtsdorf").exists()
        Document.objects.create(title="Haushaltsplan Burgheim", file=ContentFile(b"B", name="plan.txt"))
    with schema_context(town_a.schema_name):
        assert list(Document.objects.values_list("title", flat=True)) == ["Haushaltsplan Amtsdorf"]


def test_http_by_host_member_of_a_is_forbidden_at_b(town_a, town_b, member_factory):
    alice = member_factory(town_a, Role.TOWN_STAFF, "alice")
    bob = member_factory(town_b, Role.TOWN_STAFF, "bob")
    at_a = host_client(town_a.host, alice)
    upload = at_a.post("/documents/", {"title": "Geheim A", "file": SimpleUploadedFile("a.txt", b"nur A")})
    assert upload.status_code == 302
    assert "Geheim A" in at_a.get("/documents/").content.decode()

    alice_at_b = host_client(town_b.host, alice)
    for path in ("/documents/", "/documents/1/download/"):
        response = alice_at_b.get(path)
        assert response.status_code == 403, path
        assert "Geheim A" not in response.content.decode()
    page_b = host_client(town_b.host, bob).get("/documents/")
    assert page_b.status_code == 200 and "Geheim A" not in page_b.content.decode()
    # Public pages of B stay open to everyone, members of A included.
    assert alice_at_b.get("/").status_code == 200
    # Anonymous visitors are sent to the login page.
    assert host_client(town_a.host).get("/documents/").status_code == 302


def test_uploaded_files_are_stored_and_served_per_town(town_a, town_b, member_factory, settings):
    alice = member_factory(town_a, Role.TOWN_STAFF, "alice")
    bob = member_factory(town_b, Role.TOWN_STAFF, "bob")
    host_client(town_a.host, alice).post("/documents/", {"title": "A", "file": SimpleUploadedFile("same.txt", b"AAA")})
    host_client(town_b.host, bob).post("/documents/", {"title": "B", "file": SimpleUploadedFile("same.txt", b"BBB")})
    with schema_context(town_a.schema_name):
        doc_a = Document.objects.get()
        path_a = Path(doc_a.file.path)
    with schema_context(town_b.schema_name):
        doc_b = Document.objects.get()
        path_b = Path(doc_b.file.path)
    media = Path(settings.MEDIA_ROOT)
    assert path_a.is_relative_to(media / town_a.schema_name)
    assert path_b.is_relative_to(media / town_b.schema_name)
    assert path_a.read_bytes() == b"AAA" and path_b.read_bytes() == b"BBB"
    # Each host serves its own file for its own id; an id from A that B does not have is 404 at B.
    own = host_client(town_b.host, bob).get(f"/documents/{doc_b.pk}/download/")
    assert b"".join(own.streaming_content) == b"BBB"
    missing = host_client(town_b.host, bob).get(f"/documents/{doc_a.pk + 1000}/download/")
    assert missing.status_code == 404


def test_cache_keys_are_per_town(town_a, town_b):
    with schema_context(town_a.schema_name):
        cache.set("dashboard", "Amtsdorf", 60)
    with schema_context(town_b.schema_name):
        assert cache.get("dashboard") is None
        cache.set("dashboard", "Burgheim", 60)
    with schema_context(town_a.schema_name):
        assert cache.get("dashboard") == "Amtsdorf"
        cache.delete("dashboard")
    with schema_context(town_b.schema_name):
        assert cache.get("dashboard") == "Burgheim"
        cache.delete("dashboard")


@pytest.mark.worker
def test_celery_tasks_run_in_the_sending_towns_schema(committed_town, celery_worker):
    town_a = committed_town("Amtsdorf", "09999701")
    town_b = committed_town("Burgheim", "09999702")
    with schema_context(town_a.schema_name):
        for title in ("eins", "zwei"):
            Document.objects.create(title=title, file=ContentFile(b"x", name=f"{title}.txt"))
    with schema_context(town_a.schema_name):
        result_a = app.send_task("tenants.collect_town_stats")
    with schema_context(town_b.schema_name):
        result_b = app.send_task("tenants.collect_town_stats")
    assert result_a.get(timeout=30) == {"schema": town_a.schema_name, "documents": 2, "bytes": 2}
    assert result_b.get(timeout=30) == {"schema": town_b.schema_name, "documents": 0, "bytes": 0}


@pytest.mark.worker
def test_town_task_without_a_schema_refuses_to_run(committed_town, celery_worker):
    committed_town("Amtsdorf", "09999703")
    result = app.send_task("tenants.collect_town_stats")  # sent from the public schema
    with pytest.raises(Exception, match="without a town schema"):
        result.get(timeout=30)
