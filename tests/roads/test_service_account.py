"""A vehicle uploads a survey batch with its town's service account (real Keycloak client credentials)."""

import io

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from services.roads.models import Capture, Track

from ..sso import test_tokens
from ..sso.test_api_auth import service_account, towns  # noqa: F401  (fixtures)
from .conftest import offset
from .images import geotagged_jpeg, gpx

pytestmark = pytest.mark.keycloak
clients = test_tokens.clients
_fresh_key_cache = test_tokens._fresh_key_cache


def _file(name, data):
    f = io.BytesIO(data)
    f.name = name
    return f


def test_vehicle_uploads_a_resumable_batch(towns, service_account):
    town, other = towns
    api = Client(HTTP_HOST=town.host, HTTP_AUTHORIZATION=f"Bearer {service_account(town)}", HTTP_ACCEPT_LANGUAGE="en")
    opened = api.post("/api/v1/roads/batches", {"name": "Fahrt 7", "survey": "2026"}, content_type="application/json")
    assert opened.status_code == 201, opened.content
    token = opened.json()["token"]
    images = [geotagged_jpeg(lon=offset(x, 0)[0], lat=offset(x, 0)[1], seed=200 + x) for x in (0, 40, 80)]
    first = api.post(f"/api/v1/roads/batches/{token}/files", {"files": [_file("1.jpg", images[0])]})
    assert first.status_code == 201 and first.json()["files"][0]["status"] in ("published", "review")
    # The connection dropped: the vehicle asks what arrived and sends the rest (and the first again).
    state = api.get(f"/api/v1/roads/batches/{token}").json()
    assert state["captures"] == 1 and len(state["received"]) == 1
    rest = api.post(f"/api/v1/roads/batches/{token}/files",
                    {"files": [_file("1.jpg", images[0]), _file("2.jpg", images[1]), _file("3.jpg", images[2]),
                               _file("fahrt.gpx", gpx([offset(x, 0) for x in range(0, 100, 10)]))]})
    assert rest.status_code == 201
    assert [f["status"] for f in rest.json()["files"]][0] == "duplicate"
    bad = api.post(f"/api/v1/roads/batches/{token}/files", {"files": [_file("x.jpg", geotagged_jpeg(gps=False))]})
    assert bad.status_code == 400 and "no GPS" in bad.json()["files"][0]["message"]
    closed = api.post(f"/api/v1/roads/batches/{token}/close")
    assert closed.status_code == 202 and closed.json()["kind"] == "grading"
    with schema_context(town.schema_name):
        assert Capture.objects.count() == 3 and Track.objects.count() == 1
        assert set(Capture.objects.values_list("uploaded_by", flat=True)) == {f"service-account:town-{town.slug}-api"}
    # A machine uploads but never decides, and never reaches another town.
    assert api.post("/api/v1/roads/detections/1/decision", {"action": "confirm"},
                    content_type="application/json").status_code == 403
    elsewhere = Client(HTTP_HOST=other.host, HTTP_AUTHORIZATION=f"Bearer {service_account(town)}")
    assert elsewhere.post("/api/v1/roads/batches", {}, content_type="application/json").status_code == 403
