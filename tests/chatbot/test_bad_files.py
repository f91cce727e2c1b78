"""No 500 on any input at the chatbot: deep JSON and NUL characters at the anonymous API, bad knowledge-base
files (NUL bytes, bytes Windows-1252 does not define, oversize fields, huge numbers, deep nesting, broken and
decompression-bomb workbooks), non-numeric analytics parameters. Each is a 4xx with a message."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.cache import cache
from django.utils import translation
from django_tenants.utils import schema_context

from core import uploads
from services.chatbot.formats import FileFormatError, read_rows
from services.chatbot.models import Entry
from tenants.models import Role

from ..conftest import host_client


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_nul_characters_at_the_anonymous_api_are_a_400(town_faq):
    assert host_client(town_faq.host).post("/api/v1/chatbot/ask", {"question": "Hund\u0000"},
                                           content_type="application/json").status_code == 400
    assert host_client(town_faq.host).get("/ki-register/%00").status_code in (400, 404)


def test_deeply_nested_json_at_anonymous_endpoints_is_a_400(town_faq):
    client = host_client(town_faq.host)
    for body in ("[" * 50_000 + "]" * 50_000, '{"question": ' + "[" * 100 + "]" * 100 + "}",
                 '{"question": 1' + "0" * 5000 + "}"):
        response = client.post("/api/v1/chatbot/ask", body, content_type="application/json")
        assert response.status_code == 400, response.content[:200]
        assert "JSON parse error" in response.json()["detail"]


def test_analytics_parameters_must_be_numbers(town_faq, member_factory):
    staff = host_client(town_faq.host, member_factory(town_faq, Role.TOWN_ADMIN))
    assert staff.get("/chatbot/analytics/?days=7").status_code == 200
    for days in ("abc", "99999999999", "-3", "0", "1e3", "²"):
        response = staff.get(f"/chatbot/analytics/?days={days}", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400 and "whole number" in response.content.decode(), days


def _upload(town, member_factory, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    staff = host_client(town.host, member_factory(town, Role.TOWN_ADMIN, "kb-editor"))
    return staff.post("/chatbot/import/", {"file": SimpleUploadedFile(name, content)}, follow=True,
                      HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize(("name", "content", "message"), [
    ("faq.csv", b"id,question,answer\nx,Hund\x00,Ja\n", "NUL bytes"),
    ("faq.csv", b"id,question,answer\nx,Geb\x81hr,Ja\n", "byte 0x81"),
    ("faq.csv", b"id,question,answer\nx,Hund," + b"a" * 200_000 + b"\n", "longer than"),
    ("faq.json", b'[{"id": "x", "question": "q", "answer": 1' + b"0" * 5000 + b"}]", "Not valid JSON"),
    ("faq.json", b"[" * 5000 + b"]" * 5000, "nested"),
    ("faq.xlsx", b"PK\x03\x04 not really a workbook", "not a readable XLSX"),
])
def test_broken_knowledge_base_files_are_refused_with_a_reason(town_faq, member_factory, name, content, message):
    response = _upload(town_faq, member_factory, name, content)
    assert response.status_code == 200 and message in response.content.decode(), response.content.decode()[-800:]
    with schema_context(town_faq.schema_name):
        assert not Entry.objects.filter(external_id="x").exists()


def test_a_row_with_oversize_link_or_tags_is_reported_not_crashed(town_faq, member_factory):
    body = ("id,question,answer,link,tags\n"
            f"x,Frage,Antwort,https://example.org/{'a' * 600},\n"
            f"y,Frage 2,Antwort,,{'t' * 80}\n").encode()
    response = _upload(town_faq, member_factory, "faq.csv", body)
    assert response.status_code == 400
    page = response.content.decode()
    assert "link is longer than 500 characters" in page and "a tag is longer than 60 characters" in page


def xlsx_bomb(rows: int = 1_000_000) -> bytes:
    """A real XLSX whose only sheet has ``rows`` rows: a few dozen KB packed, tens of MB unpacked."""
    row = '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             'spreadsheetml/2006/main"><sheetData>' + row * rows + "</sheetData></worksheet>")
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
        'name="A" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org'
        '/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def test_a_small_workbook_that_unpacks_to_a_million_rows_is_refused_unread(town_faq, member_factory):
    bomb = xlsx_bomb()
    assert len(bomb) < 200_000
    with translation.override("en"), pytest.raises(FileFormatError, match="decompression bomb"):
        read_rows(bomb, "faq.xlsx")
    response = _upload(town_faq, member_factory, "faq.xlsx", bomb)
    assert "decompression bomb" in response.content.decode()
    # A workbook within the ratio but beyond the row limit is read as a stream and stopped there.
    with translation.override("en"), pytest.raises(uploads.UploadRejected, match="more than 100 rows"):
        uploads.read_xlsx(xlsx_bomb(150), uploads.limits(max_rows=100))




def test_a_file_over_the_size_limit_is_refused_before_it_is_read(town_faq, member_factory, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    response = _upload(town_faq, member_factory, "faq.csv", b"id,question,answer\n" + b"x,q,a\n" * 500)
    assert response.status_code == 200 and "larger than 0.001 MB" in response.content.decode()
