"""No 500 on any input: malformed months, huge paging, deep JSON, NUL bytes, bad encodings, oversize fields and
numbers in imports, decompression bombs, non-numeric analytics parameters. Each is a 4xx (or a CLI error)
with a message."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from kiverbund import uploads
from services.chatbot.formats import FileFormatError, read_rows
from services.chatbot.models import Entry
from tenants.models import Role, Town

from .billing.test_finance_api import county_finance
from .conftest import host_client

BAD_MONTHS = ["2026-13", "abc", "0000-01", "2026-00", "99999-01", "2026-1", "%00", "２０２６-01"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("month", BAD_MONTHS)
def test_malformed_months_are_a_400_on_every_billing_api_and_page(town_a, member_factory, console_host, month):
    county = host_client(console_host, county_finance())
    town = host_client(town_a.host, member_factory(town_a, Role.FINANCE))
    for client, method, url, data in [
        (county, "get", f"/api/v1/billing/pools/?period={month}", None),
        (county, "post", "/api/v1/billing/pools/", {"service": "echo", "month": month, "category": "staff",
                                                   "amount": "1.00"}),
        (county, "get", f"/api/v1/billing/statements/?period={month}", None),
        (county, "get", f"/api/v1/billing/statements/report/?period={month}&output=csv", None),
        (county, "get", f"/api/v1/billing/usage/?period={month}", None),
        (county, "get", f"/finance/?period={month}", None),
        (county, "get", f"/finance/usage/?period={month}", None),
        (county, "get", f"/finance/download/csv/?period={month}", None),
        (county, "get", f"/finance/rules/echo/?period={month}", None),
        (county, "post", "/finance/period/", {"period": month, "action": "run"}),
        (town, "get", f"/api/v1/finance/statements/report/?period={month}&output=csv", None),
        (town, "get", f"/finance/download/pdf/?period={month}", None),
    ]:
        if method == "get":
            response = client.get(url)
        elif url.startswith("/api/"):
            response = client.post(url, json.dumps(data), content_type="application/json")
        else:
            response = client.post(url, data)
        assert response.status_code == 400, (url, response.status_code, response.content[:300])
        assert b"YYYY-MM" in response.content, (url, response.content[:300])
    for path in (f"/api/v1/billing/periods/{month}/run/", f"/api/v1/billing/periods/{month}/close/",
                 f"/api/v1/billing/periods/{month}/correct/"):
        assert county.post(path).status_code in (400, 404), path
    assert county.get(f"/api/v1/billing/periods/{month}/").status_code in (400, 404)


def test_the_cost_form_refuses_a_month_it_cannot_book(console_host, echo_service):
    county = host_client(console_host, county_finance())
    response = county.post("/finance/pools/", {"service": "echo", "month": "0000-01", "category": "staff",
                                               "amount": "5.00"}, follow=True)
    assert response.status_code == 200 and "JJJJ-MM" in response.content.decode()


def test_paging_is_bounded(console_host):
    county = host_client(console_host, county_finance())
    assert county.get("/api/v1/billing/statements/?limit=100000").status_code == 200
    for query in ("limit=99999999999999999999", "offset=99999999999999999999", "offset=-1", "limit=abc",
                  "limit=0", "offset=1e9", "limit=²"):
        response = county.get(f"/api/v1/billing/statements/?{query}")
        assert response.status_code == 400 and ("limit" in response.json() or "offset" in response.json()), query


def test_deeply_nested_json_at_anonymous_endpoints_is_a_400(town_faq):
    client = host_client(town_faq.host)
    for body in ("[" * 50_000 + "]" * 50_000, '{"question": ' + "[" * 100 + "]" * 100 + "}",
                 '{"question": 1' + "0" * 5000 + "}"):
        response = client.post("/api/v1/chatbot/ask", body, content_type="application/json")
        assert response.status_code == 400, response.content[:200]
        assert "JSON parse error" in response.json()["detail"]


def test_nul_bytes_are_a_400(town_faq, console_host):
    assert host_client(town_faq.host).post("/api/v1/chatbot/ask", {"question": "Hund\u0000"},
                                           content_type="application/json").status_code == 400
    county = host_client(console_host, county_finance())
    response = county.get("/api/v1/billing/statements/?town=%00")
    assert response.status_code == 400 and "NUL" in response.json()["detail"]
    assert county.get("/finance/usage/?town=09%00").status_code == 400
    assert host_client(town_faq.host).get("/ki-register/%00").status_code in (400, 404)


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
    with pytest.raises(FileFormatError, match="decompression bomb"):
        read_rows(bomb, "faq.xlsx")
    response = _upload(town_faq, member_factory, "faq.xlsx", bomb)
    assert "decompression bomb" in response.content.decode()
    # A workbook within the ratio but beyond the row limit is read as a stream and stopped there.
    with pytest.raises(uploads.UploadRejected, match="more than 100 rows"):
        uploads.read_xlsx(xlsx_bomb(150), uploads.limits(max_rows=100))


def _towns_csv(tmp_path, body: bytes):
    path = tmp_path / "towns.csv"
    path.write_bytes(b"ags,name,population\n" + body)
    return path


@pytest.mark.parametrize(("body", "message"), [
    (b"09998201,Hundsheim,1000\x00\n", "NUL"),
    (b"09998201,Geb\x81hrenhausen,1000\n", "0x81"),
    (b"09998201,Riesenstadt,99999999999999999999\n", "Einwohnerzahl"),
    (b"09998201," + b"Langername" * 30 + b",1000\n", "name"),
    (b"09998201,Feldstadt," + b"1" * 200_000 + b"\n", "longer than"),
])
def test_bad_town_lists_are_refused_with_a_reason(db, tmp_path, body, message):
    with pytest.raises(CommandError) as refused:
        call_command("import_towns", csv=_towns_csv(tmp_path, body), stderr=io.StringIO(), stdout=io.StringIO())
    errors = io.StringIO()
    try:
        call_command("import_towns", csv=_towns_csv(tmp_path, body), stderr=errors, stdout=io.StringIO())
    except CommandError:
        pass
    assert message in str(refused.value) + errors.getvalue()
    assert not Town.objects.filter(ags="09998201").exists()
