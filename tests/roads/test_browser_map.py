"""Staff see graded segments on the map in Debian's Chromium (no map tiles needed)."""

import re

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from services.roads.actions.detections import import_detections
from services.roads.actions.grading import grade_town
from services.roads.actions.network import import_network
from services.roads.vendor import read_detections
from tenants.models import Membership, Role

from ..browser import ARTIFACTS, browser_page
from .conftest import osm_xml
from .test_detections_grading import HEADER, row

pytestmark = pytest.mark.browser


def test_map_shows_graded_segments(live_server, committed_town, django_user_model):
    town = committed_town("Kartenstadt", "09999821")
    with schema_context(town.schema_name):
        import_network(osm_xml(), "mitte.osm", actor="pytest", town=town)
        rows, errors = read_detections((HEADER + row("loch", -180, 1, "D40", 0.9) * 1 + row("r2", -170, 1, "D20", 0.9)
                                        + row("r3", -160, 1, "D20", 0.9)).encode(), "v.csv")
        assert import_detections(rows, errors, actor="pytest", town=town).ok
        grade_town(actor="pytest", town=town)
    user = django_user_model.objects.create_user("kartenleser")
    Membership.objects.create(user=user, town=town, role=Role.TOWN_STAFF)
    client = Client(HTTP_HOST=town.host)
    client.force_login(user)
    port = live_server.url.rsplit(":", 1)[1]
    with browser_page() as page:
        page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                                   "domain": town.host, "path": "/"}])
        page.goto(f"http://{town.host}:{port}/roads/")
        page.get_by_role("heading", name=re.compile("Straßenzustand|Road condition")).wait_for()
        page.wait_for_selector("#map[data-ready='1']")
        shown = int(page.get_attribute("#map", "data-segments-shown"))
        assert shown > 10
        assert page.get_attribute("#map", "data-detections-shown") == "3"
        # Segments are drawn as SVG paths coloured by their grade band; the damaged one is not "good".
        assert page.locator("path.segment").count() == shown
        assert page.locator("path.segment.band-good").count() > 0
        assert page.locator("path.segment:not(.band-good)").count() >= 1
        page.screenshot(path=ARTIFACTS / "roads-map.png", full_page=True)
