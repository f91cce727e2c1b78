"""Importing contributions: formats, per-row errors, atomicity, refusals of bad files."""

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context

from services.feedback import formats
from services.feedback.actions.importing import import_contributions
from services.feedback.models import Contribution, Project

from .conftest import CONTRIBUTIONS


def test_rows_are_checked_first_and_nothing_is_half_imported(project_a):
    town, project = project_a
    rows = [
        {"id": "n1", "text": "Ein guter Beitrag."},
        {"id": "", "text": "Ohne ID"},
        {"id": "n3", "text": "", "title": ""},
        {"id": "n1", "text": "Doppelte ID"},
        {"id": "n5", "text": "Ort", "lat": "91", "lon": "7"},
        {"id": "n6", "text": "Datum", "created_at": "gestern"},
    ]
    with schema_context(town.schema_name):
        report = import_contributions(project, rows, actor="pytest", town=town)
        assert Contribution.objects.filter(external_id="n1").count() == 0
    assert [(e.row, e.external_id) for e in report.errors] == [(3, ""), (4, "n3"), (5, "n1"), (6, "n5"), (7, "n6")]
    assert "Zeile 2" in report.errors[2].message  # German first


def test_import_keeps_ids_metadata_location_and_embeds_once(project_a):
    town, project = project_a
    with schema_context(town.schema_name):
        first = Contribution.objects.get(project=project, external_id="r1")
        assert first.metadata == {"district": "Mitte"}
        assert (first.lat, first.lon) == (50.73, 7.10)
        assert "radweg" in first.lemmas and len(first.topic_vector) == 512
        # The same rows again: nothing changes, nothing is embedded again.
        report = import_contributions(project, CONTRIBUTIONS, actor="pytest", town=town)
    assert (report.created, report.updated, report.unchanged) == (0, 0, len(CONTRIBUTIONS))


def _xlsx(rows, formula=False) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["id", "text", "Stadtteil"])
    for row in rows:
        sheet.append(row)
    if formula:
        sheet.append(["z9", "=1+1", "x"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_all_formats_read_the_same_rows():
    csv_rows = formats.read_rows("id;text;Stadtteil\n1;Radweg bitte;Nord\n".encode("cp1252"), "a.csv")
    tsv_rows = formats.read_rows(b"id\ttext\tStadtteil\n1\tRadweg bitte\tNord\n", "a.tsv")
    json_rows = formats.read_rows(json.dumps([{"id": 1, "text": "Radweg bitte", "Stadtteil": "Nord"}]).encode(),
                                  "a.json")
    xlsx_rows = formats.read_rows(_xlsx([[1, "Radweg bitte", "Nord"]]), "a.xlsx")
    for rows in (csv_rows, tsv_rows, json_rows, xlsx_rows):
        assert str(rows[0]["id"]) == "1" and rows[0]["text"] == "Radweg bitte" and rows[0]["stadtteil"] == "Nord"


@pytest.mark.parametrize("data,name,message", [
    (b"id,text\n1,\xff\xfe\x00\x00 kaputt\n", "a.csv", "NUL-Bytes"),
    (b"id,text\n1,kaputt \x81\n", "a.csv", "weder UTF-8- noch Windows-1252"),
    (b"nr,inhalt\n1,x\n", "a.csv", "id, text"),
    (b"", "a.csv", "leer"),
    (b"{\"id\": 1", "a.json", "JSON"),
    (b"PK\x03\x04 not a zip", "a.xlsx", "XLSX"),
    (b"id,text\n1,x\n", "a.pdf", "nicht unterstützt"),
])
def test_bad_files_get_a_clear_error(data, name, message):
    with pytest.raises(formats.FileFormatError, match=message):
        formats.read_rows(data, name)


def test_formula_cells_and_zip_bombs_are_refused(settings, monkeypatch):
    with pytest.raises(formats.FileFormatError, match="Formeln"):
        formats.read_rows(_xlsx([["a1", "Text", ""]], formula=True), "a.xlsx")
    # A small archive that unpacks far beyond the limit.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<" + b" " * 30_000_000 + b">")
    monkeypatch.setattr("services.feedback.conf.MAX_XLSX_UNPACKED_BYTES", 10_000_000)
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(formats.FileFormatError, match="entpackt größer als"):
        formats.read_rows(buffer.getvalue(), "bomb.xlsx")
    monkeypatch.setattr("services.feedback.conf.MAX_IMPORT_BYTES", 10)
    with pytest.raises(formats.FileFormatError, match="größer als"):
        formats.read_rows(b"id,text\n1,ein langer Text\n", "a.csv")


def test_command_creates_the_project_and_refuses_bad_rows_whole(town_a, tmp_path):
    good = tmp_path / "beitraege.csv"
    good.write_text("id,text,title\n1,Mehr Bäume im Park,Bäume\n2,Radweg sanieren,\n", encoding="utf-8")
    out = io.StringIO()
    call_command("feedback_import", "--town", town_a.ags, "--project", "baeume", str(good), stdout=out)
    assert "2 created" in out.getvalue() and "new project" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text("id,text\n1,ok\n2,\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("feedback_import", "--town", town_a.ags, "--project", "neu", str(bad), stderr=err)
    assert "row 3 (id 2)" in err.getvalue()
    with schema_context(town_a.schema_name):
        assert not Project.objects.filter(slug="neu").exists()
        assert Contribution.objects.filter(project__slug="baeume").count() == 2


def test_command_stores_every_vector_the_analysis_uses(town_a, tmp_path, django_capture_on_commit_callbacks):
    """The command embeds before it commits: no worker job follows, an analysis finds nothing to embed."""
    from services.feedback.actions.importing import embed_missing

    path = tmp_path / "beitraege.csv"
    path.write_text("id,text\n1,Der Radweg an der Schule ist zu schmal.\n2,Bitte mehr Bänke im Stadtpark.\n",
                    encoding="utf-8")
    with django_capture_on_commit_callbacks() as queued:
        call_command("feedback_import", "--town", town_a.ags, "--project", "sofort", str(path), stdout=io.StringIO())
    assert queued == []
    with schema_context(town_a.schema_name):
        rows = Contribution.objects.filter(project__slug="sofort")
        assert rows.count() == 2 and all(len(c.topic_vector) == 512 and c.lemmas for c in rows)
        assert embed_missing(rows.first().project) == 0
