"""What a signed-in request costs in SQL: the console's town list and the town API, pinned.

Sessions and the signed-in account are read through the shared cache (identity.session_store,
identity.backend): after the first request neither costs a query. The copies must never outlive
what they copy: a logout, a deactivated account or a new password take effect at the next request.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tenants.models import Role

from .conftest import host_client

CONSOLE_TOWN_LIST = [
    'SET search_path = "public"',
    "SELECT COUNT(*), COALESCE(SUM(population)",  # the figures of all towns, the subscriptions awaiting approval
    'SELECT "tenants_town"."id", "tenants_town"."name"',  # one page of towns
]


def queries(client: Client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content[:500]
    return [query["sql"] for query in captured.captured_queries]


def matches(sqls: list[str], expected: list[str]) -> bool:
    return len(sqls) == len(expected) and all(sql.startswith(start) for sql, start in zip(sqls, expected, strict=True))


@pytest.mark.parametrize("account", ["operator", "break_glass"])
def test_the_console_town_list_costs_three_queries(account, request, console_host, make_town):
    for name in ("Amtsdorf", "Burgheim", "Calden"):
        make_town(name)
    console = host_client(console_host, request.getfixturevalue(account))
    queries(console, "/")  # the account is cached at the first request, the session when it was saved
    for _ in range(2):
        sqls = queries(console, "/")
        assert matches(sqls, CONSOLE_TOWN_LIST), sqls


def test_the_town_api_costs_the_membership_query_for_a_signed_in_member(make_town, member_factory):
    town = make_town("Amtsdorf")
    client = host_client(town.host, member_factory(town, Role.TOWN_STAFF))
    queries(client, "/api/v1/town/")
    for _ in range(2):
        sqls = queries(client, "/api/v1/town/")
        assert matches(sqls, [f'SET search_path = "{town.schema_name}","public"',
                              'SELECT "tenants_membership"."role"']), sqls


def test_a_logged_out_session_is_not_served_from_the_cache(console_host, operator):
    console = host_client(console_host, operator)
    assert console.get("/").status_code == 200
    cookie = console.cookies["sessionid"].value
    assert console.post("/accounts/logout/").status_code in (200, 302)
    stolen = Client(HTTP_HOST=console_host)
    stolen.cookies["sessionid"] = cookie
    assert stolen.get("/").status_code == 302


def test_a_deactivated_account_loses_access_at_its_next_request(console_host, operator):
    console = host_client(console_host, operator)
    assert console.get("/").status_code == 200
    operator.is_active = False
    operator.save()
    assert console.get("/").status_code in (302, 403)


def test_a_new_password_ends_the_other_sessions_at_their_next_request(console_host, break_glass):
    console = host_client(console_host, break_glass)
    assert console.get("/").status_code == 200
    break_glass.set_password("a-completely-new-password-2")
    break_glass.save()
    assert console.get("/").status_code == 302
