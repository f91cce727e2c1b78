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


def test_console_pages_pass_axe(port, committed_town, django_user_model, monkeypatch):
    from portal.views import console as console_views

    monkeypatch.setattr(console_views, "TOWNS_PER_PAGE", 5)  # pagination shows with a dozen towns
    monkeypatch.setattr(console_views, "AUDIT_PER_PAGE", 5)
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
        page.goto(f"{console}/audit/?q=Prüfstadt&page=2")
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
    from catalog.actions import request_subscription, save_offering, sync_catalogue
    from catalog.models import Service

    town = committed_town("Startdorf", "09999791")
    sync_catalogue(actor="pytest")
    offering = save_offering({"provider": "Kreis-IT", "contract_title": "AVV Chatbot", "contract_version": "1.0",
                              "price_model": "cost_pool", "amount": "24000.00", "description": "Chatbot"},
                             actor="pytest", service=Service.objects.get(key="chatbot"))
    request_subscription(town, offering, actor="pytest")  # an open checklist on the start page
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


def test_service_pages_pass_axe(port, committed_town, django_user_model):
    from django_tenants.utils import schema_context

    from services.chatbot.actions.knowledge import delete_entry, import_entries
    from services.chatbot.models import Entry
    from services.feedback.actions.importing import import_contributions
    from services.feedback.actions.projects import save_project
    from services.roads.actions.network import import_network

    from .chatbot.conftest import TOWN_FAQ, subscribe_to_chatbot
    from .feedback.conftest import CONTRIBUTIONS, subscribe_to_feedback
    from .roads.conftest import osm_xml, subscribe_to_roads

    town = committed_town("Dienstdorf", "09999792")
    for subscribe in (subscribe_to_chatbot, subscribe_to_feedback, subscribe_to_roads):
        subscribe(town)
    with schema_context(town.schema_name):
        assert import_entries(TOWN_FAQ, actor="pytest", town=town).ok
        entry = Entry.objects.order_by("pk").first()
        delete_entry(Entry.objects.order_by("pk").last(), actor="pytest", town=town)
        project = save_project({"slug": "radverkehr", "title": "Radverkehr und Spielplätze"}, actor="pytest",
                               town=town)
        assert import_contributions(project, CONTRIBUTIONS, actor="pytest", town=town).ok
        import_network(osm_xml(), "mitte.osm", actor="pytest", town=town)
    admin = django_user_model.objects.create_user("verwaltung")
    Membership.objects.create(user=admin, town=town, role=Role.TOWN_ADMIN)
    cookie = _cookie(admin, town.host, port)
    base = f"http://{town.host}:{port}"
    pages = {
        "chatbot-entries": "/chatbot/", "chatbot-entry": f"/chatbot/entries/{entry.pk}/",
        "chatbot-entry-new": "/chatbot/entries/new/", "chatbot-recycle-bin": "/chatbot/recycle-bin/",
        "feedback-projects": "/feedback/", "feedback-project": "/feedback/radverkehr/",
        "feedback-review": "/feedback/radverkehr/contributions/", "feedback-decisions": "/feedback/radverkehr/decisions/",
        "roads-overview": "/roads/", "roads-network": "/roads/network/", "roads-captures": "/roads/captures/",
        "roads-detections": "/roads/detections/", "roads-work-orders": "/roads/work-orders/",
    }
    problems = []
    with browser_page() as page:
        page.context.add_cookies(cookie)
        page.goto(f"{base}/")
        page.get_by_role("heading", level=1).wait_for()
        text = page.locator("main").inner_text()
        check_page(page, "a11y-town-dashboard-services")
        page.goto(f"{base}/chatbot/entries/{entry.pk}/")
        page.get_by_role("button", name="Vorschau").click()
        page.wait_for_load_state()
        check_page(page, "a11y-chatbot-entry-preview")
        for name, path in pages.items():
            response = page.goto(f"{base}{path}")
            assert response.status == 200, (path, response.status)
            try:
                check_page(page, f"a11y-{name}")
            except AssertionError as failure:
                problems.append(str(failure))
    assert not problems, "\n".join(problems)
    words = {word.lower() for word in re.findall(r"[A-Za-zÄÖÜäöüß]+", text)}
    assert not words & ENGLISH, sorted(words & ENGLISH)


def test_service_pages_with_data_pass_axe(port, committed_town, django_user_model):
    """The feedback service's topics and map and the roads service's map and tables, filled, not empty states."""
    from decimal import Decimal

    from django_tenants.utils import schema_context

    from services.feedback.actions import review
    from services.feedback.actions.analysis import request_analysis, run_analysis
    from services.feedback.actions.importing import import_contributions
    from services.feedback.actions.projects import save_project
    from services.feedback.models import Contribution, Topic
    from services.roads.actions.detections import import_detections
    from services.roads.actions.grading import grade_town
    from services.roads.actions.network import import_network
    from services.roads.actions.review import decide
    from services.roads.actions.scenarios import compute_scenario
    from services.roads.models import Detection, WorkOrder
    from services.roads.vendor import read_detections

    from .feedback.conftest import CONTRIBUTIONS, subscribe_to_feedback
    from .roads.conftest import osm_xml, subscribe_to_roads
    from .roads.test_detections_grading import HEADER, row

    town = committed_town("Datendorf", "09999793")
    for subscribe in (subscribe_to_feedback, subscribe_to_roads):
        subscribe(town)
    with schema_context(town.schema_name):
        project = save_project({"slug": "radverkehr", "title": "Radverkehr und Spielplätze"}, actor="pytest",
                               town=town)
        assert import_contributions(project, CONTRIBUTIONS, actor="pytest", town=town).ok
        run_analysis(request_analysis(project, actor="pytest", town=town, topics_wanted=4, send=False), town=town)
        assert Topic.objects.filter(project=project).count() >= 3
        review.rename_topic(Topic.objects.filter(project=project, is_other=False).first(), "Radwege",
                            actor="pytest", town=town)
        # A person's decision, which the pages show before any suggestion: the map's table says it in words.
        review.set_sentiment(Contribution.objects.get(project=project, external_id="r1"), "negative",
                             actor="pytest", town=town)
        located = Contribution.objects.filter(project=project, lat__isnull=False).count()
        assert located >= 2
        import_network(osm_xml(), "mitte.osm", actor="pytest", town=town)
        rows, errors = read_detections((HEADER + row("loch", -180, 1, "D40", 0.9) + row("riss", -120, -1, "D00", 0.7)
                                        + row("netz", 60, 2, "D20", 0.6) + row("gasse", 1, 80, "D40", 0.8)
                                        ).encode(), "v.csv")
        assert import_detections(rows, errors, actor="pytest", town=town).ok
        grade_town(actor="pytest", town=town)
        decide(Detection.objects.get(external_id="loch"), "confirm", actor="pytest", town=town)
        decide(Detection.objects.get(external_id="netz"), "reject", actor="pytest", town=town)
        assert WorkOrder.objects.exists()
        compute_scenario(name="5 Jahre, 50 T€", annual_budget=Decimal("50000"), years=5, actor="pytest", town=town)
    admin = django_user_model.objects.create_user("datenpflege")
    Membership.objects.create(user=admin, town=town, role=Role.TOWN_ADMIN)
    cookie = _cookie(admin, town.host, port)
    base = f"http://{town.host}:{port}"
    pages = {
        "feedback-topics": "/feedback/radverkehr/", "feedback-map": "/feedback/radverkehr/map/",
        "feedback-review-data": "/feedback/radverkehr/contributions/",
        "feedback-decisions-data": "/feedback/radverkehr/decisions/",
        "feedback-timeline": "/feedback/radverkehr/timeline/",
        "roads-map": "/roads/", "roads-network-data": "/roads/network/", "roads-detections-data": "/roads/detections/",
        "roads-work-orders-data": "/roads/work-orders/", "roads-plans-data": "/roads/plans/",
    }
    problems = []
    with browser_page() as page:
        page.context.add_cookies(cookie)
        for name, path in pages.items():
            response = page.goto(f"{base}{path}")
            assert response.status == 200, (path, response.status)
            page.get_by_role("heading", level=1).wait_for()
            if path == "/roads/":
                page.wait_for_selector("#map[data-ready='1']")
                assert page.locator("path.segment").count() > 10
            if path.endswith("/map/"):
                page.wait_for_load_state("networkidle")
            try:
                check_page(page, f"a11y-{name}")
            except AssertionError as failure:
                problems.append(str(failure))
        # The pages hold data, not their empty states; the map's points are also a table, in words.
        page.goto(f"{base}/feedback/radverkehr/map/")
        page.wait_for_selector("#feedback-map[data-ready]")
        assert page.locator("path.contribution-marker").count() == located
        listed = page.locator("main table tbody tr")
        assert listed.count() == located and "negativ" in page.locator("main table").inner_text()
        page.goto(f"{base}/feedback/radverkehr/")
        assert "Radwege" in page.locator("main").inner_text()
        page.goto(f"{base}/roads/")
        assert "1,0–1,5 gut" in page.locator(".roads-legend").inner_text()  # German decimals throughout
        page.goto(f"{base}/roads/work-orders/")
        assert page.locator("main table tbody tr").count() >= 1
        page.goto(f"{base}/roads/detections/")
        assert page.locator("main table tbody tr").count() >= 2  # the two still to be decided
    assert not problems, "\n".join(problems)
