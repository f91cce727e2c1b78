"""No 500 on any input at billing and the console: malformed months on every billing page and API, huge
paging, NUL characters, bad town lists (NUL bytes, undefined bytes, oversize fields, huge numbers). Each is a
4xx (or a CLI error) with a message. The chatbot's share: tests/chatbot/test_bad_files.py."""

from __future__ import annotations

import io
import json

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from tenants.models import Role, Town

from .billing.test_finance_api import county_finance
from .catalog.conftest import echo_service  # noqa: F401  (fixture)
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
        assert any(word in response.content for word in (b"YYYY-MM", b"JJJJ-MM", b"NUL")), (url, response.content[:300])
    for path in (f"/api/v1/billing/periods/{month}/run/", f"/api/v1/billing/periods/{month}/close/",
                 f"/api/v1/billing/periods/{month}/correct/"):
        assert county.post(path).status_code in (400, 404), path
    assert county.get(f"/api/v1/billing/periods/{month}/").status_code in (400, 404)


def test_the_cost_form_refuses_a_month_it_cannot_book(console_host, echo_service):
    county = host_client(console_host, county_finance())
    response = county.post("/finance/pools/", {"service": "echo", "month": "0000-01", "category": "staff",
                                               "amount": "5.00"})
    # The form comes back with the error beside its field, nothing booked.
    page = response.content.decode()
    assert response.status_code == 400 and "JJJJ-MM" in page[page.index('id="id_month"') - 600:]


def test_paging_is_bounded(db, console_host):
    county = host_client(console_host, county_finance())
    assert county.get("/api/v1/billing/statements/?limit=100000").status_code == 200
    for query in ("limit=99999999999999999999", "offset=99999999999999999999", "offset=-1", "limit=abc",
                  "limit=0", "offset=1e9", "limit=²"):
        response = county.get(f"/api/v1/billing/statements/?{query}")
        assert response.status_code == 400 and ("limit" in response.json() or "offset" in response.json()), query


def test_nul_characters_in_addresses_are_a_400(db, console_host):
    county = host_client(console_host, county_finance())
    response = county.get("/api/v1/billing/statements/?town=%00")
    assert response.status_code == 400 and "NUL" in response.json()["detail"]
    assert county.get("/finance/usage/?town=09%00").status_code == 400


def _towns_csv(tmp_path, body: bytes):
    path = tmp_path / "towns.csv"
    path.write_bytes(b"ags,name,population\n" + body)
    return path


@pytest.mark.parametrize(("body", "message"), [
    (b"09998201,Hundsheim,1000\x00\n", "NUL"),
    (b"09998201,Geb\x81hrenhausen,1000\n", "0x81"),
    (b"09998201,Riesenstadt,99999999999999999999\n", "99999999999999999999"),
    (b"09998201," + b"Langername" * 30 + b",1000\n", "name"),
    (b"09998201,Feldstadt," + b"1" * 200_000 + b"\n", "100000"),
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


def test_documents_over_the_size_limit_are_refused(db, console_host, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.UPLOAD_MAX_BYTES = 1000
    county = host_client(console_host, county_finance())
    response = county.post("/api/v1/billing/pools/", {
        "service": "echo", "month": "2026-11", "category": "licences", "amount": "10.00",
        "document": SimpleUploadedFile("rechnung.pdf", b"%PDF-1.4 " + b"x" * 5000)}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "larger than" in str(response.json()["document"])
