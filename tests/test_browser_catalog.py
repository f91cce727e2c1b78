"""A new town admin, signed in through the real Keycloak, finds a service, sees her town's price, completes
the checklist and activates it; the service answers for her town only and the public KI-Register shows it."""

import json
import re
from decimal import Decimal

import pytest
from django.test import Client

from catalog.actions import save_offering, sync_catalogue
from catalog.models import PriceModel, Service, Subscription, SubscriptionStatus
from core.audit.models import AuditEntry
from identity.bootstrap import ensure_user
from tenants.actions import TownData, onboard_town
from tenants.models import Membership, Role, Town

from .browser import ARTIFACTS, browser_page, check_page
from .test_browser_sso import keycloak_login

pytestmark = [pytest.mark.browser, pytest.mark.keycloak]


def test_town_admin_subscribes_in_the_browser(live_server, sso, settings, django_user_model):
    from tenants.schemas import drop_schema

    port = int(live_server.url.rsplit(":", 1)[1])
    settings.PUBLIC_PORT = port
    amtsdorf, _ = onboard_town(TownData(ags="09999911", name="Amtsdorf", population=9000), activate=True)
    burgheim, _ = onboard_town(TownData(ags="09999912", name="Burgheim", population=7000), activate=True)
    sync_catalogue(actor="pytest")
    save_offering({"provider": "Kreis-IT Musterland", "contract_title": "AVV Echo", "contract_version": "2026-01",
                   "price_model": PriceModel.COST_POOL, "amount": Decimal("12000.00")},
                  actor="pytest", service=Service.objects.get(key="echo"))
    ensure_user(sso, "anke", "anke@amtsdorf.example", "anke-password-1", ["town_admin"],
                organization_alias=amtsdorf.slug, first_name="Anke", last_name="Amtmann")
    try:
        with browser_page() as page:
            page.goto(f"{amtsdorf.url}catalogue/")
            page.get_by_role("link", name=re.compile("KI-Verbund")).click()
            page.locator("#username").wait_for()
            check_page(page, "journey-subscribe-keycloak-login")
            keycloak_login(page, "anke", "anke-password-1")
            page.wait_for_url(re.compile(rf"^http://{re.escape(amtsdorf.host)}:{port}/catalogue/"))

            # Before subscribing, the service refuses with directions.
            page.goto(f"{amtsdorf.url}echo/")
            assert page.get_by_role("heading", name=re.compile("nicht abonniert|not subscribed")).is_visible()

            page.goto(f"{amtsdorf.url}catalogue/")
            page.get_by_role("link", name="Echo test service").click()
            share = page.get_by_test_id("share").first.inner_text()
            # Alone, Amtsdorf would carry the whole pool: a twelfth of the announced 12,000 € this month.
            assert "1.000,00" in share, share
            assert page.get_by_test_id("estimate").first.is_visible()
            page.screenshot(path=ARTIFACTS / "catalog-service.png", full_page=True)
            check_page(page, "journey-subscribe-service")
            page.get_by_role("button", name=re.compile("Abonnement beantragen|Request subscription")).click()

            checked = False
            for _ in range(6):
                checkbox = page.get_by_role("checkbox")
                if checkbox.count():
                    checkbox.first.check()
                reason = page.locator("#dpia-reason")
                if reason.count():
                    reason.fill("Keine personenbezogenen Daten")
                if not checked:
                    check_page(page, "journey-subscribe-checklist")
                    checked = True
                page.get_by_role("button", name=re.compile("^(Bestätigen|Confirm)")).first.click()
                page.wait_for_load_state()
            assert page.get_by_role("button", name=re.compile("^(Bestätigen|Confirm)")).count() == 0
            page.screenshot(path=ARTIFACTS / "catalog-checklist.png", full_page=True)
            check_page(page, "journey-subscribe-ready")
            page.get_by_role("button", name=re.compile("^(Aktivieren|Activate)$")).click()
            page.get_by_text(re.compile("ist für Ihre (Stadt|Gemeinde) aktiv|is active for your town")).wait_for()
            check_page(page, "journey-subscribe-active")

            page.goto(f"{amtsdorf.url}echo/?q=hallo")
            assert json.loads(page.locator("body").inner_text()) == {"echo": "hallo", "town": amtsdorf.slug}

            page.goto(amtsdorf.url)
            page.get_by_role("button", name=re.compile("Abmelden|Log out")).click()
            page.goto(f"{amtsdorf.url}ki-register/")
            page.get_by_role("heading", name="Echo test service").wait_for()
            page.screenshot(path=ARTIFACTS / "catalog-ki-register.png", full_page=True)
            check_page(page, "journey-subscribe-ki-register")
        # (The ORM is not used while Playwright's event loop runs in this thread.)
        subscription = Subscription.objects.get(town=amtsdorf)
        assert subscription.status == SubscriptionStatus.ACTIVE and subscription.activated_by == "anke"
        assert AuditEntry.objects.filter(action="catalog.checklist.confirmed", actor="anke").count() == 6
        assert Membership.objects.filter(user__username="anke", town=amtsdorf, role=Role.TOWN_ADMIN).exists()
        # Burgheim has not subscribed: its own staff get the 403 that explains how to subscribe.
        bea = django_user_model.objects.create_user("bea")
        Membership.objects.create(user=bea, town=burgheim, role=Role.TOWN_ADMIN)
        client = Client(HTTP_HOST=burgheim.host)
        client.force_login(bea)
        refused = client.get("/echo/")
        assert refused.status_code == 403 and "/catalogue/echo/" in refused.content.decode()
    finally:
        for town in Town.objects.all():
            drop_schema(town.schema_name)
