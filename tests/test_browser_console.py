"""An operator onboards a town from the console form in a real browser, then visits the town's host."""

import re

import pytest

from tenants.models import Town

from .browser import ARTIFACTS, browser_page, check_page

pytestmark = pytest.mark.browser


@pytest.fixture
def live_port(live_server):
    return live_server.url.rsplit(":", 1)[1]


def test_operator_onboards_a_town_in_the_browser(live_port, django_user_model, settings):
    from tenants.schemas import drop_schema

    django_user_model.objects.create_superuser("kreis-it", password="operator-password-1")
    console = f"http://{settings.PLATFORM_DOMAIN}:{live_port}"
    try:
        with browser_page() as page:
            page.goto(f"{console}/")
            page.get_by_text("Notfallzugang").click()
            page.get_by_label("Benutzername").fill("kreis-it")
            page.get_by_label("Passwort").fill("operator-password-1")
            page.get_by_role("button", name="Anmelden").click()
            page.get_by_role("heading", name="Mitgliedsgemeinden").wait_for()
            check_page(page, "journey-console-towns")
            page.get_by_role("link", name="Gemeinde aufnehmen").click()

            page.get_by_label("Name der Gemeinde").fill("Browserhausen")
            page.get_by_label("AGS (8 Ziffern)").fill("09999801")
            page.get_by_label(re.compile(r"^Einwohnerzahl:?$")).fill("12345")
            page.get_by_label("Sofort aktivieren").check()
            page.screenshot(path=ARTIFACTS / "console-onboarding-form.png", full_page=True)
            page.get_by_role("button", name="Gemeinde aufnehmen").click()

            page.get_by_role("heading", name="Browserhausen").wait_for()
            assert "browserhausen.kiverbund.localhost" in page.content()
            page.screenshot(path=ARTIFACTS / "console-town-detail.png", full_page=True)
            check_page(page, "journey-console-town-detail")

            page.goto(f"http://browserhausen.{settings.PLATFORM_DOMAIN}:{live_port}/")
            page.get_by_role("heading", name="Browserhausen").wait_for()
            assert "09999801" in page.content()
            page.screenshot(path=ARTIFACTS / "town-landing.png", full_page=True)
            check_page(page, "journey-town-landing-public")
        assert Town.objects.get(ags="09999801").status == "active"
    finally:
        for town in Town.objects.all():
            drop_schema(town.schema_name)
