"""A town's catalogue preview for this month, read in the browser, is its first statement to the cent; the
catalogue and finance pages pass axe-core at desktop width and at 390 px."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from billing.actions import run_period
from billing.models import AllocationRule, CostPool, Statement
from tenants.models import Membership, Role

from ..browser import browser_page, check_page

pytestmark = pytest.mark.browser

MONTH = timezone.localdate().replace(day=1)


def _euros(text: str) -> Decimal:
    found = re.search(r"([\d.]+,\d\d)\s*€", text)
    assert found, text
    return Decimal(found[1].replace(".", "").replace(",", "."))


def test_the_preview_is_the_first_statement(live_server, committed_town, offering, subscribe, django_user_model):
    towns = [committed_town("Vorschaudorf", "09999731"), committed_town("Rechnungsheim", "09999732")]
    for town in towns:
        subscribe(town, offering)
    CostPool.objects.create(service="echo", period=MONTH, category="hosting", amount=Decimal("1000.00"))
    AllocationRule.objects.create(service="echo", kind="population")
    town = towns[0]
    kaemmerin = django_user_model.objects.create_user("kaemmerin")
    Membership.objects.create(user=kaemmerin, town=town, role=Role.TOWN_ADMIN)
    Membership.objects.create(user=kaemmerin, town=town, role=Role.FINANCE)
    signed_in = Client(HTTP_HOST=town.host)
    signed_in.force_login(kaemmerin)
    port = live_server.url.rsplit(":", 1)[1]
    base = f"http://{town.host}:{port}"
    cookie = [{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": f"{base}/"}]

    with browser_page() as page:
        page.context.add_cookies(cookie)
        page.goto(f"{base}/catalogue/echo/")
        preview = _euros(page.get_by_test_id("share").first.inner_text())
        check_page(page, "journey-preview-catalogue")
    run_period(MONTH, actor="pytest")
    statement = Statement.objects.get(town=town, period__month=MONTH)
    with browser_page() as page:
        page.context.add_cookies(cookie)
        page.goto(f"{base}/finance/")
        row = page.get_by_role("row", name=re.compile(statement.number))
        shown = _euros(row.get_by_role("cell").nth(2).inner_text())
        assert "Entwurf" in row.inner_text()
        check_page(page, "journey-preview-statement")
    assert preview == shown == statement.total == Decimal("500.00")
