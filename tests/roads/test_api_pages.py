"""A town's staff through the pages and the API; isolation between towns; entitlement."""

from __future__ import annotations

import io
import json

from django.test import Client
from django_tenants.utils import schema_context
from pyproj import Transformer

from services.roads.models import Capture, Detection, Segment
from tenants.models import Role

from .conftest import offset, osm_xml
from .images import geotagged_jpeg
from .test_detections_grading import HEADER, row


def client_for(town, user) -> Client:
    client = Client(HTTP_HOST=town.host, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def upload(name, data):
    f = io.BytesIO(data)
    f.name = name
    return f


def test_staff_journey(town_a, member_factory):
    staff = client_for(town_a, member_factory(town_a, Role.TOWN_STAFF, "bauhof-leitung"))
    # 1. network by page
    response = staff.post("/roads/network/", {"file": upload("mitte.osm", osm_xml()), "segment_length": 50})
    assert response.status_code == 302, response.content[:500]
    bad = staff.post("/roads/network/", {"file": upload("leer.osm.pbf", b""), "segment_length": 50})
    assert bad.status_code == 400 and b"empty" in bad.content
    # 2. vendor CSV by API
    csv_text = HEADER + row("loch", -180, 1, "D40", 0.9) + row("riss", -120, -1, "D00", 0.7) + row("netz", 60, 2, "D20")
    response = staff.post("/api/v1/roads/detections", {"file": upload("vendor.csv", csv_text.encode())})
    assert response.status_code == 201 and response.json() == {"created": 3, "unchanged": 0}
    broken = staff.post("/api/v1/roads/detections",
                        {"file": upload("v.csv", (HEADER + "x,1,2,D99,0.5,2026-01-01T00:00:00Z,,,\n").encode())})
    assert broken.status_code == 400 and "Unknown damage class" in broken.json()["errors"][0]["message"]
    # 3. grading on demand, then the map's GeoJSON
    assert staff.post("/api/v1/roads/grade").status_code == 202
    with schema_context(town_a.schema_name):
        from services.roads.actions.grading import grade_town

        grade_town(actor="pytest", town=town_a)
        loch = Detection.objects.get(external_id="loch")
        netz = Detection.objects.get(external_id="netz")
    segments = staff.get("/api/v1/roads/segments").json()
    assert segments["type"] == "FeatureCollection" and len(segments["features"]) > 10
    assert any(f["properties"]["grade"] and f["properties"]["grade"] > 1 for f in segments["features"])
    lon, lat = offset(-200, 0)
    boxed = staff.get(f"/api/v1/roads/segments?bbox={lon - 0.0001},{lat - 0.0001},{lon + 0.0002},{lat + 0.0001}")
    assert 0 < len(boxed.json()["features"]) < len(segments["features"])
    assert staff.get("/api/v1/roads/segments?bbox=1,2,3").status_code == 400
    # 4. decisions: the page shows suggestion and decision side by side
    page = staff.get("/roads/detections/?status=suggested")
    assert page.status_code == 200 and b"AI suggestion" in page.content and b"loch" in page.content
    assert staff.post(f"/roads/detections/{loch.pk}/decide/", {"action": "confirm"}).status_code == 302
    decided = staff.post(f"/api/v1/roads/detections/{netz.pk}/decision", {"action": "reject", "note": "Schatten"},
                         content_type="application/json")
    assert decided.status_code == 200 and decided.json()["status"] == "rejected"
    assert staff.post(f"/api/v1/roads/detections/{netz.pk}/decision", {"action": "fly"},
                      content_type="application/json").status_code == 400
    # 5. the confirmed pothole on the main road is a work order; the building yard closes it
    orders = staff.get("/api/v1/roads/work-orders").json()
    assert len(orders) == 1 and orders[0]["status"] == "open"
    number = orders[0]["number"]
    assert staff.get("/roads/work-orders/").status_code == 200
    closed = staff.post(f"/api/v1/roads/work-orders/{number}/close", {"repair_note": "Kaltasphalt"},
                        content_type="application/json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed", closed.content
    # 6. a budget scenario
    scenario = staff.post("/api/v1/roads/scenarios", {"annual_budget": "20000", "years": 3},
                          content_type="application/json")
    assert scenario.status_code == 201 and len(scenario.json()["years"]) == 4
    assert staff.post("/roads/plans/", {"annual_budget": "5000", "years": 2}).status_code == 302
    assert b"Mean grade with" in staff.get("/roads/plans/").content
    # 7. export in EPSG:25832 reprojects back within a centimetre
    exported = staff.get("/api/v1/roads/export?layer=segments&format=geojson&crs=25832")
    assert exported.status_code == 200
    back = Transformer.from_crs(25832, 4326, always_xy=True)
    with schema_context(town_a.schema_name):
        coords = {s.pk: s.coords for s in Segment.objects.filter(active=True)}
    from services.roads.geo import haversine_m

    for feature in json.loads(exported.content)["features"]:
        for (x, y), (lon, lat) in zip(feature["geometry"]["coordinates"], coords[feature["properties"]["id"]],
                                      strict=True):
            assert haversine_m(lon, lat, *back.transform(x, y)) < 0.01
    assert staff.get("/api/v1/roads/export?layer=roads&format=geojson&crs=25832").status_code == 400
    csv_export = staff.get("/roads/export/detections.csv?crs=4326")
    assert csv_export.status_code == 200 and b"loch,D40" in csv_export.content
    # 8. the PDF condition report and the map page
    pdf = staff.get("/roads/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    overview = staff.get("/roads/")
    assert overview.status_code == 200 and b"vendor/leaflet/leaflet.js" in overview.content
    german = staff.get("/roads/", HTTP_ACCEPT_LANGUAGE="de")
    assert "Straßenzustand" in german.content.decode() and "Noten (ZTV ZEB-StB)" in german.content.decode()
    # 9. images by page: blurred, served to members
    response = staff.post("/roads/captures/", {"files": [upload("a.jpg", geotagged_jpeg(*(), seed=5,
                                                                                         lon=offset(-100, 0)[0],
                                                                                         lat=offset(-100, 0)[1]))],
                                               "survey": "2026"})
    assert response.status_code == 302
    with schema_context(town_a.schema_name):
        capture = Capture.objects.get()
    image = staff.get(f"/roads/captures/{capture.pk}/image.jpg")
    assert image.status_code == 200 and b"".join(image.streaming_content).startswith(b"\xff\xd8")
    marked = staff.post(f"/api/v1/roads/captures/{capture.pk}/damage", {"damage_class": "D20", "box": [10, 10, 300, 200]},
                        content_type="application/json")
    assert marked.status_code == 201 and marked.json()["status"] == "confirmed"
    outside = staff.post(f"/api/v1/roads/captures/{capture.pk}/damage", {"damage_class": "D20", "box": [10, 10, 9e6, 20]},
                         content_type="application/json")
    assert outside.status_code == 400 and "inside the image" in outside.json()["detail"]
    bad_image = staff.post("/roads/captures/", {"files": [upload("b.png", b"\x89PNG....")]})
    assert bad_image.status_code == 400 and b"not a JPEG" in bad_image.content, bad_image.content.decode()[-3000:]


def test_readers_cannot_change_and_machines_cannot_decide(town_network, member_factory):
    reader = client_for(town_network, member_factory(town_network, Role.FINANCE, "kaemmerin"))
    assert reader.get("/roads/").status_code == 200
    assert reader.post("/api/v1/roads/detections", {"file": upload("v.csv", b"x")}).status_code == 403
    assert reader.post("/roads/network/", {"file": upload("m.osm", osm_xml()), "segment_length": 50}).status_code == 403


def test_town_a_roads_never_appear_at_town_b(town_network, make_town, member_factory):
    town_b = make_town("Burgheim")
    staff_b = client_for(town_b, member_factory(town_b, Role.TOWN_STAFF, "staff-b"))
    assert staff_b.get("/api/v1/roads/segments").json()["features"] == []
    assert b"Hauptstra" not in staff_b.get("/roads/export/segments.geojson?crs=4326").content
    # A member of A at B's host: no access at all.
    staff_a = client_for(town_network, member_factory(town_network, Role.TOWN_STAFF, "staff-a"))
    staff_a_at_b = Client(HTTP_HOST=town_b.host)
    staff_a_at_b.cookies = staff_a.cookies
    assert staff_a_at_b.get("/roads/").status_code == 403
    assert staff_a_at_b.get("/api/v1/roads/segments").status_code == 403
    with schema_context(town_network.schema_name):
        segment_id = Segment.objects.first().pk
    with schema_context(town_b.schema_name):
        assert not Segment.objects.filter(pk=segment_id).exists()


def test_unsubscribed_town_gets_403(make_town, member_factory):
    town = make_town("Ohnestadt", subscribed=False)
    staff = client_for(town, member_factory(town, Role.TOWN_ADMIN, "admin-ohne"))
    assert staff.get("/roads/").status_code == 403
    refused = staff.get("/api/v1/roads/segments")
    assert refused.status_code == 403 and "subscri" in refused.json()["detail"].lower()
    assert staff.post("/api/v1/roads/batches", {}, content_type="application/json").status_code == 403
