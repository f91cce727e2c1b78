"""Every role lands on a start page that fits it, at the town's host and on the console."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from billing.actions.periods import run_period
from billing.metering import record_usage
from billing.models import AllocationRule, CostPool
from catalog.actions import request_subscription
from identity.sync import sync_user_from_claims
from tenants.models import Role
from tests.catalog.conftest import (  # noqa: F401  (fixtures)
    echo_service,
    make_offering,
    subscribe_through_workflow,
    subscribe_to_service,
)

from .conftest import host_client


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def person(role, town=None):
    return sync_user_from_claims({"preferred_username": f"{role}-{town.slug if town else 'kreis'}", "roles": [role],
                                  "organization": [town.slug] if town else [],
                                  "groups": [f"/towns/{town.slug}/{role}"] if town else []})


@pytest.fixture
def chatbot_town(make_town):
    town = make_town("Amtsdorf")
    subscribe_to_service(town, "chatbot", title="AVV Chatbot", amount=Decimal("24000.00"))
    return town


def escalate(town, question):
    citizen = host_client(town.host)
    asked = citizen.post("/api/v1/chatbot/ask", {"question": question}, content_type="application/json").json()
    response = citizen.post("/api/v1/chatbot/escalate", {"conversation": asked["conversation"]},
                            content_type="application/json")
    assert response.status_code == 201


def test_visitors_see_the_public_page_members_their_dashboard(chatbot_town):
    public = host_client(chatbot_town.host).get("/").content.decode()
    assert "Mitarbeitenden-Anmeldung" in public or "Anmelden" in public
    assert "Offene Aufgaben" not in public
    staff = host_client(chatbot_town.host, person("town_staff", chatbot_town)).get("/")
    page = staff.content.decode()
    assert staff.status_code == 200 and "Startseite von Amtsdorf" in page
    assert "Offene Aufgaben" in page and "Ihre Rolle:" in page and "Stadtverwaltung" in page or "Mitarbeit" in page
    # The subscribed service, by its name, with a link to its pages; no service key on the page.
    assert "Bürger-Chatbot" in page and 'href="/chatbot/"' in page
    assert "Keine neuen Fragen" in page


def test_staff_dashboard_lists_open_inbox_cases_and_new_questions(chatbot_town):
    escalate(chatbot_town, "Wo kann ich einen Anwohnerparkausweis beantragen?")
    escalate(chatbot_town, "Gibt es einen Bürgerbus am Sonntag?")
    page = host_client(chatbot_town.host, person("town_staff", chatbot_town)).get("/").content.decode()
    assert "Chatbot: 2 offene Fragen im Posteingang" in page
    assert "Anwohnerparkausweis" in page and "Bürgerbus am Sonntag" in page
    assert 'href="/chatbot/inbox/' in page


def test_open_checklist_items_are_tasks_for_admin_and_dpo(make_town, make_offering):
    town = make_town("Checkdorf")
    request_subscription(town, make_offering(), actor="pytest")
    admin_page = host_client(town.host, person("town_admin", town)).get("/").content.decode()
    assert "6 Punkte der Checkliste zu bestätigen" in admin_page
    assert 'href="/catalogue/echo/"' in admin_page
    staff_page = host_client(town.host, person("town_staff", town)).get("/").content.decode()
    assert "6 Punkte der Checkliste offen" in staff_page


def test_town_finance_sees_its_statement_to_read(make_town, make_offering):
    town = make_town("Zahldorf")
    subscribe_through_workflow(town, make_offering())
    record_usage(town, "echo", "echo", 3, "z1", timezone.now())
    month = timezone.localdate().replace(day=1)
    CostPool.objects.create(service="echo", period=month, category="licences", amount=Decimal("600.00"))
    AllocationRule.objects.create(service="echo", kind="equal")
    run_period(month, actor="pytest")
    page = host_client(town.host, person("finance", town)).get("/").content.decode()
    assert f"Abrechnung für {month:%m/%Y} ist ein Entwurf" in page and 'href="/finance/"' in page
    # Town staff have no finance rights and see no statement task.
    staff_page = host_client(town.host, person("town_staff", town)).get("/").content.decode()
    assert "Abrechnung für" not in staff_page


def test_another_towns_member_gets_the_public_page(chatbot_town, make_town):
    other = make_town("Fremdstadt")
    escalate(chatbot_town, "Wann ist das Rathaus offen?")
    page = host_client(chatbot_town.host, person("town_staff", other)).get("/").content.decode()
    assert "Offene Aufgaben" not in page and "Rathaus" not in page


def test_county_roles_land_on_their_own_start_pages(db, console_host):
    finance = host_client(console_host, person("county_finance"))
    landed = finance.get("/", follow=True)
    assert landed.status_code == 200 and landed.redirect_chain[-1][0] == "/finance/"
    assert "Zugriff verweigert" not in landed.content.decode()
    it = host_client(console_host, person("platform_admin")).get("/")
    assert it.status_code == 200 and "Mitgliedsgemeinden" in it.content.decode()


@pytest.mark.parametrize("role", [Role.TOWN_ADMIN, Role.TOWN_STAFF, Role.FINANCE, Role.DPO])
def test_every_town_role_lands_on_the_dashboard(chatbot_town, role):
    response = host_client(chatbot_town.host, person(str(role), chatbot_town)).get("/")
    assert response.status_code == 200 and "Startseite von Amtsdorf" in response.content.decode()


def test_new_contributions_and_suggestions_to_review_reach_the_dashboard(make_town):
    from django_tenants.utils import schema_context

    from services.feedback.actions.submissions import submit_contribution
    from services.feedback.models import Contribution, Project

    town = make_town("Mitredestadt")
    subscribe_to_service(town, "feedback", title="AVV Bürgerbeteiligung", amount=Decimal("18000.00"))
    with schema_context(town.schema_name):
        project = Project.objects.create(slug="radwege", title="Radwege 2027", is_public=True)
        submit_contribution(project, title="Radweg am Bahnhof", text="Bitte den Radweg am Bahnhof verbreitern.",
                            town=town)
        Contribution.objects.update(analysed_at=timezone.now())
    page = host_client(town.host, person("town_staff", town)).get("/").content.decode()
    assert "Radweg am Bahnhof" in page and "Radwege 2027" in page and 'href="/feedback/radwege/"' in page
    assert "1 Beitrag mit KI-Vorschlägen zu prüfen" in page
