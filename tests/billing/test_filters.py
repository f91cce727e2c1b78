"""Malformed or unknown filters are a 400 that names them; typed errors answer with their own status."""

import pytest

from tenants.models import Role

from ..conftest import host_client

BAD_CONSOLE_QUERIES = [
    ("/api/v1/billing/statements/?period=2026-13", "period"),
    ("/api/v1/billing/statements/?period=gestern", "period"),
    ("/api/v1/billing/statements/?town=abc", "town"),
    ("/api/v1/billing/statements/?sort=-amount", "sort"),
    ("/api/v1/billing/pools/?period=2026-00", "period"),
    ("/api/v1/billing/pools/?service__in=x", "service__in"),
    ("/api/v1/billing/rules/efficiency-overrides/?town=1", "town"),
    ("/api/v1/billing/rules/efficiency-overrides/?unit=x", "unit"),
    ("/api/v1/billing/statements/report/?period=2026-13&output=pdf", "detail"),
]


@pytest.mark.parametrize("path, named", BAD_CONSOLE_QUERIES)
def test_malformed_console_filters_are_a_400(path, named, operator, console_host):
    response = host_client(console_host, operator).get(path)
    assert response.status_code == 400, (path, response.status_code)
    assert named in response.json(), response.json()


def test_good_filters_still_filter(operator, console_host):
    response = host_client(console_host, operator).get("/api/v1/billing/statements/?period=2026-01&town=09998100")
    assert response.status_code == 200 and response.json()["results"] == []


def test_a_town_list_takes_no_unknown_filter(make_town, member_factory):
    town_a = make_town()  # a host name of its own: no earlier test's town is remembered for it
    finance = member_factory(town_a, Role.FINANCE)
    client = host_client(town_a.host, finance)
    assert client.get("/api/v1/finance/statements/").status_code == 200
    assert client.get("/api/v1/finance/statements/?limit=5").status_code == 200
    assert client.get("/api/v1/finance/statements/?town=09998999").status_code == 400


def test_a_period_without_statements_is_a_404_by_type(make_town, member_factory):
    town_a = make_town()
    finance = member_factory(town_a, Role.FINANCE)
    response = host_client(town_a.host, finance).get("/api/v1/finance/statements/report/?period=2020-01&output=pdf")
    assert response.status_code == 404 and "keine Abrechnung" in response.json()["detail"]
