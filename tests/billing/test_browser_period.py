"""County finance runs a month in the browser, follows the run's status without reloading, and closes it;
every page passes axe-core at desktop width and at 390 px."""

import re

import pytest
from django.test import Client

from billing.models import BillingPeriod
from identity.sync import sync_user_from_claims

from ..browser import browser_page, check_page
from .test_run_task import MONTH, PERIOD, committed_county  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def test_run_and_close_a_period_with_status_updates(live_server, committed_county, console_host,  # noqa: F811
                                                    celery_worker):
    finance = sync_user_from_claims({"preferred_username": "kreiskasse", "roles": ["county_finance"],
                                     "organization": []})
    signed_in = Client(HTTP_HOST=console_host)
    signed_in.force_login(finance)
    port = live_server.url.rsplit(":", 1)[1]
    url = f"http://{console_host}:{port}/finance/?period={PERIOD}"
    with browser_page() as page:
        page.context.add_cookies([{"name": "sessionid", "value": signed_in.cookies["sessionid"].value,
                                   "url": f"http://{console_host}:{port}/"}])
        page.goto(url)
        check_page(page, "journey-finance-before-run")
        page.get_by_role("button", name="Abrechnung starten").click()
        status = page.get_by_role("status")
        # The page follows the run (queued, running, done) and shows the draft statements when it has finished.
        page.get_by_role("cell", name="Taskdorf").wait_for(timeout=60_000)
        assert "Entwurf" in page.get_by_role("row", name=re.compile("Taskdorf")).inner_text()
        check_page(page, "journey-finance-draft")

        page.get_by_text("Abrechnen und Zeitraum abschließen").click()
        page.get_by_role("button", name=re.compile("^Ja, .* abrechnen und abschließen$")).click()
        # Queued or running, then final: the status box changes without the person reloading.
        status.get_by_text("Endgültig: abgeschlossen am", exact=False).wait_for(timeout=60_000)
        assert "Entwurf" not in page.get_by_role("row", name=re.compile("Taskdorf")).inner_text()
        check_page(page, "journey-finance-closed")
    assert BillingPeriod.objects.get(month=MONTH).status == "closed"
