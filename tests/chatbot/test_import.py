"""Import and export of the knowledge base: atomic, per-row errors, the file's ids kept, all formats."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context

from core.audit.models import AuditEntry
from services.chatbot import formats
from services.chatbot.actions.knowledge import check_rows, import_entries
from services.chatbot.models import Entry
from tenants.models import Role

from ..conftest import host_client
from .conftest import TOWN_FAQ


def test_faq_tsv_imports_by_command_keeping_ids(town_a, faq_file, tmp_path):
    # Every row of the public file passes the import's checks; the command imports a slice of it written
    # the same way (embedding all 399 answers costs minutes of CPU and shows nothing more).
    rows = formats.read_rows(faq_file.read_bytes(), faq_file.name)
    parsed, report = check_rows(rows)
    assert report.ok and len(parsed) == 399
    part = tmp_path / "faq_part.tsv"
    with part.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]), delimiter="\t")
        writer.writeheader()
        writer.writerows(rows[:40])
    out = io.StringIO()
    call_command("chatbot_import", "--town", town_a.ags, str(part), stdout=out)
    assert "40 created" in out.getvalue()
    with schema_context(town_a.schema_name):
        assert Entry.objects.count() == 40
        entry = Entry.objects.get(external_id="2")
        assert entry.question.startswith("Wie lange ist die Inkubationszeit")
        assert entry.source == "Bundesministerium für Gesundheit (BMG)"
        assert entry.link.startswith("https://")
        assert entry.embedding is not None and entry.search_vector
    # Importing the same file again changes nothing.
    out = io.StringIO()
    call_command("chatbot_import", "--town", town_a.ags, str(part), stdout=out)
    assert "0 created, 0 updated, 40 unchanged" in out.getvalue()


def test_import_is_atomic_and_reports_each_bad_row(town_a):
    rows = [
        {"id": "ok-1", "question": "Wo ist das Rathaus?", "answer": "Am Markt 1."},
        {"id": "", "question": "Ohne ID", "answer": "x"},
        {"id": "bad-link", "question": "Link?", "answer": "y", "link": "kein link"},
        {"id": "ok-1", "question": "Doppelt", "answer": "z"},
        {"id": "no-answer", "question": "Leer?", "answer": "<script>alert(1)</script>"},
        {"id": "dates", "question": "Wann?", "answer": "Bald.", "valid_from": "2026-05-01", "valid_until": "01.01.2026"},
    ]
    with schema_context(town_a.schema_name):
        report = import_entries(rows, actor="pytest", town=town_a)
        assert Entry.objects.count() == 0
    assert not report.ok
    assert [(e.row, e.external_id) for e in report.errors] == [
        (3, ""), (4, "bad-link"), (5, "ok-1"), (6, "no-answer"), (7, "dates")]
    assert report.errors[2].message == "id wird auch in Zeile 2 verwendet"  # German first
    assert not AuditEntry.objects.filter(action="chatbot.kb.imported").exists()


def test_command_reports_errors_and_imports_nothing(town_a, tmp_path):
    path = tmp_path / "kb.csv"
    path.write_text("id,question,answer\n1,Frage eins,Antwort eins\n2,,Antwort ohne Frage\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("chatbot_import", "--town", town_a.ags, str(path), stderr=err)
    assert "row 3 (id 2): question (Frage) fehlt" in err.getvalue()
    with schema_context(town_a.schema_name):
        assert not Entry.objects.exists()


def test_answers_are_sanitised(town_a):
    rows = [{"id": "x", "question": "Frage?", "answer": '<p onclick="evil()">Hallo <script>alert(1)</script>'
             '<a href="javascript:evil()">a</a> <a href="https://amtsdorf.de">b</a></p>'}]
    with schema_context(town_a.schema_name):
        import_entries(rows, actor="pytest", town=town_a)
        answer = Entry.objects.get().answer
    assert "script" not in answer and "onclick" not in answer and "javascript" not in answer
    assert 'href="https://amtsdorf.de"' in answer


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xlsx"])
def test_export_and_reimport_round_trip(town_a, town_b, member_factory, fmt):
    with schema_context(town_a.schema_name):
        import_entries(TOWN_FAQ, actor="pytest", town=town_a)
    staff = member_factory(town_a, Role.TOWN_STAFF, "staff-a")
    response = host_client(town_a.host, staff).get(f"/chatbot/export.{fmt}")
    assert response.status_code == 200
    rows = formats.read_rows(response.content, f"kb.{fmt}")
    assert {str(r["id"]) for r in rows} == {r["id"] for r in TOWN_FAQ}
    with schema_context(town_b.schema_name):
        report = import_entries(rows, actor="pytest", town=town_b)
        assert report.ok and report.created == len(TOWN_FAQ)
        perso = Entry.objects.get(external_id="perso")
        assert perso.variants == ["Personalausweis verloren", "Ausweis abgelaufen"]
        assert perso.department == "Bürgerbüro"
    if fmt == "json":
        assert json.loads(response.content)[0]["id"]


def test_staff_page_imports_and_reports_errors(town_a, member_factory):
    from django.core.files.uploadedfile import SimpleUploadedFile

    staff = member_factory(town_a, Role.TOWN_STAFF, "staff-a")
    client = host_client(town_a.host, staff)
    good = SimpleUploadedFile("kb.json", json.dumps(TOWN_FAQ[:2]).encode())
    assert client.post("/chatbot/import/", {"file": good}).status_code == 302
    bad = SimpleUploadedFile("kb.csv", b"id,question,answer\n9,,x\n")
    response = client.post("/chatbot/import/", {"file": bad})
    assert response.status_code == 400 and "question (Frage) fehlt" in response.content.decode()
    page = client.get("/chatbot/?q=Hund")
    assert "Muss ich meinen Hund anmelden?" in page.content.decode()
    assert "Personalausweis" not in page.content.decode()
    # Finance may read, not change.
    finance = member_factory(town_a, Role.FINANCE, "finance-a")
    assert host_client(town_a.host, finance).get("/chatbot/").status_code == 200
    again = SimpleUploadedFile("kb.json", json.dumps(TOWN_FAQ).encode())
    assert host_client(town_a.host, finance).post("/chatbot/import/", {"file": again}).status_code == 403
    assert host_client(town_a.host).get("/chatbot/").status_code == 302  # anonymous → login
