"""The role start pages, the console's town list, audit log and new-town form, and county finance's landing
pass axe-core at desktop width and at 390 px; the German town dashboard shows no English words."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

from tenants.access import COUNTY_FINANCE_GROUP
from tenants.models import Membership, Role

from .browser import browser_page, check_page
from .test_browser_register import ENGLISH

pytestmark = pytest.mark.browser


def _cookie(user, host: str, port: str) -> list[dict]:
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": f"http://{host}:{port}/"}]


@pytest.fixture
def port(live_server):
    return live_server.url.rsplit(":", 1)[1]


def test_console_pages_pass_axe(port, committed_town, django_user_model):
    for number in range(12):
        committed_town(f"Prüfstadt {number}", f"099997{number:02d}", activate=number % 3 != 0)
    operator = django_user_model.objects.create_superuser("kreis-it", password="operator-password-1")
    console = f"http://{settings.PLATFORM_DOMAIN}:{port}"
    cookie = _cookie(operator, settings.PLATFORM_DOMAIN, port)
    with browser_page() as page:
        page.context.add_cookies(cookie)
        page.goto(f"{console}/")
        page.get_by_role("heading", level=1).wait_for()
        check_page(page, "a11y-console-towns")
        page.goto(f"{console}/?q=Prüfstadt&status=active")
        check_page(page, "a11y-console-towns-filtered")
        page.goto(f"{console}/?page=2")
        check_page(page, "a11y-console-towns-page-2")
        page.goto(f"{console}/towns/new/")
        check_page(page, "a11y-console-town-new")
        page.goto(f"{console}/audit/")
        assert page.locator("table tbody tr").count() > 0
        check_page(page, "a11y-console-audit")
        page.goto(f"{console}/audit/?q=Prüfstadt")
        check_page(page, "a11y-console-audit-search")


def test_county_finance_landing_passes_axe(port, committed_town, django_user_model):
    committed_town("Kassenstadt", "09999790")
    finance = django_user_model.objects.create_user("kreiskasse")
    finance.groups.add(Group.objects.get_or_create(name=COUNTY_FINANCE_GROUP)[0])
    cookie = _cookie(finance, settings.PLATFORM_DOMAIN, port)
    with browser_page() as page:
        page.context.add_cookies(cookie)
        page.goto(f"http://{settings.PLATFORM_DOMAIN}:{port}/")
        page.get_by_role("heading", level=1).wait_for()
        assert "/finance/" in page.url
        check_page(page, "a11y-county-finance-landing")


@pytest.mark.parametrize("role", [Role.TOWN_ADMIN, Role.TOWN_STAFF, Role.FINANCE])
def test_town_dashboard_passes_axe_and_is_german(port, committed_town, django_user_model, role):
    town = committed_town("Startdorf", "09999791")
    person = django_user_model.objects.create_user(f"mitglied{len(role)}")
    Membership.objects.create(user=person, town=town, role=role)
    cookie = _cookie(person, town.host, port)
    with browser_page() as page:
        page.context.add_cookies(cookie)
        page.goto(f"http://{town.host}:{port}/")
        page.get_by_role("heading", level=1).wait_for()
        text = page.locator("body").inner_text()
        check_page(page, f"a11y-town-dashboard-{role}")
    words = {word.lower() for word in re.findall(r"[A-Za-zÄÖÜäöüß]+", text)}
    assert not words & ENGLISH, sorted(words & ENGLISH)
