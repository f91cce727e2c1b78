"""Vendor detections (CSV, GeoJSON), map matching with heading, grades per survey, GIS export."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context
from pyproj import Transformer

from services.roads import grading
from services.roads.actions.detections import import_detections
from services.roads.actions.grading import grade_town
from services.roads.models import Detection, Segment, SegmentGrade, Survey
from services.roads.vendor import read_detections

from .conftest import offset

HEADER = "id,lat,lon,class,confidence,captured_at,heading,image,width_m\n"


def row(ident, east, north, cls="D00", confidence=0.8, when="2026-04-10T09:00:00+02:00", heading="", width=""):
    lon, lat = offset(east, north)
    return f"{ident},{lat},{lon},{cls},{confidence},{when},{heading},img-{ident}.jpg,{width}\n"


def vendor_csv(tmp_path, rows, name="vendor.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def test_vendor_csv_is_matched_and_graded(town_network, tmp_path, capsys):
    rows = [row("p1", -180, 2, "D40", 0.9, width="1.2"), row("p2", -170, -3, "D20", 0.7),
            # 4 m from the crossing, between Hauptstraße (E-W) and Kirchgasse (N-S): the heading decides
            row("x1", 3, 3, "D00", 0.6, heading="0"), row("x2", 3, 3, "D00", 0.6, heading="90"),
            row("far", 0, 500, "D10", 0.9)]
    call_command("roads_import_detections", "--town", town_network.ags, str(vendor_csv(tmp_path, rows)))
    assert "5 detections imported" in capsys.readouterr().out
    call_command("roads_grade", "--town", town_network.ags)
    with schema_context(town_network.schema_name):
        d = {x.external_id: x for x in Detection.objects.select_related("segment")}
        assert d["p1"].segment.key == "w101:0" and d["p2"].segment.key == "w101:0"
        assert d["x1"].segment.osm_way_id == 102 and d["x2"].segment.osm_way_id == 101
        assert d["far"].segment is None
        assert d["p1"].survey.name == "2026"
        damaged = Segment.objects.get(key="w101:0")
        assert damaged.grade > 1.0
        clean = Segment.objects.get(key="w101:7")
        # a vendor survey without tracks covers the whole network: no damage is grade 1.0
        assert clean.grade == 1.0
        grade = SegmentGrade.objects.get(segment=damaged)
        assert grade.suggested == 2 and grade.confirmed == 0 and grade.method == grading.METHOD


def test_grades_are_versioned_per_survey(town_network):
    lon, lat = offset(-180, 0)
    with schema_context(town_network.schema_name):
        for year, count in (("2025", 1), ("2026", 12)):
            rows = [f"{year}-{i},{lat},{lon},D20,1.0,{year}-05-01T10:00:00Z,,," for i in range(count)]
            parsed, errors = read_detections(("id,lat,lon,class,confidence,captured_at,heading,image,width_m\n"
                                              + "\n".join(rows)).encode(), "v.csv")
            import_detections(parsed, errors, actor="pytest", town=town_network)
        grade_town(actor="pytest", town=town_network)
        segment = Segment.objects.get(key="w101:0")
        by_survey = {g.survey.name: g.grade for g in segment.grades.select_related("survey")}
        assert by_survey["2025"] < by_survey["2026"]
        assert segment.grade == by_survey["2026"]
        assert segment.graded_survey.name == "2026"


def test_grade_scale_marks():
    assert grading.grade_for_share(0.0) == 1.0
    assert grading.grade_for_share(0.02) == grading.TARGET_VALUE
    assert grading.grade_for_share(0.15) == grading.WARNING_VALUE
    assert grading.grade_for_share(0.30) == grading.THRESHOLD_VALUE
    assert grading.grade_for_share(1.0) == 5.0
    assert list(grading.grade_for_share([0.01, 0.5])) == [1.25, 5.0]


@pytest.mark.parametrize("line, message", [
    ("a,49.5,11.2,D99,0.5,2026-01-01T00:00:00Z,,,", "Unknown damage class"),
    ("a,149.5,11.2,D00,0.5,2026-01-01T00:00:00Z,,,", "lat must lie between"),
    ("a,49.5,11.2,D00,1.5,2026-01-01T00:00:00Z,,,", "confidence must lie between"),
    ("a,49.5,11.2,D00,0.5,gestern,,,", "captured_at is not a date"),
    ("a,49.5,,D00,0.5,2026-01-01T00:00:00Z,,,", "lon is missing"),
])
def test_one_bad_row_refuses_the_whole_file(town_network, tmp_path, capsys, line, message):
    path = tmp_path / "vendor.csv"
    path.write_text(HEADER + row("good", 0, 0) + line + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 rows with errors; nothing was imported"):
        call_command("roads_import_detections", "--town", town_network.ags, str(path))
    assert message in capsys.readouterr().err
    with schema_context(town_network.schema_name):
        assert not Detection.objects.exists()


def test_bad_detection_files(town_network, tmp_path):
    for name, data, message in [("v.csv", b"", "empty"), ("v.csv", b"lat,lon\n1,2\n", "lacks the columns"),
                                ("v.xlsx", b"PK\x03\x04", "neither CSV nor GeoJSON"),
                                ("v.geojson", b"[]", "FeatureCollection")]:
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(CommandError, match=message):
            call_command("roads_import_detections", "--town", town_network.ags, str(path))


def test_geojson_detections_and_reimport_is_idempotent(town_network, tmp_path):
    lon, lat = offset(-180, 1)
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "g1", "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {"class": "D40", "confidence": 0.95, "captured_at": "2026-06-01T08:00:00Z", "heading": 91}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {"class": "D10", "confidence": 0.5, "captured_at": "2026-06-01T08:00:05Z"}}]}
    path = tmp_path / "vendor.geojson"
    path.write_text(json.dumps(doc))
    call_command("roads_import_detections", "--town", town_network.ags, "--survey", "Frühjahr 2026", str(path))
    call_command("roads_import_detections", "--town", town_network.ags, "--survey", "Frühjahr 2026", str(path))
    with schema_context(town_network.schema_name):
        assert Detection.objects.count() == 2
        assert set(Survey.objects.values_list("name", flat=True)) == {"Frühjahr 2026"}
        assert Detection.objects.get(external_id="g1").heading == 91


@pytest.mark.parametrize("crs", [4326, 25832])
def test_export_geojson_and_csv_reproject_back_within_a_centimetre(town_network, tmp_path, crs):
    call_command("roads_import_detections", "--town", town_network.ags,
                 str(vendor_csv(tmp_path, [row("p1", -180, 2, "D40", 0.9), row("=p2()", 150, 1, "D00", 0.4)])))
    call_command("roads_grade", "--town", town_network.ags)
    back = Transformer.from_crs(crs, 4326, always_xy=True)
    with schema_context(town_network.schema_name):
        stored = {s.pk: s for s in Segment.objects.filter(active=True)}
        detections = {d.external_id: d for d in Detection.objects.all()}
    out = tmp_path / "segments.geojson"
    call_command("roads_export", "--town", town_network.ags, "--layer", "segments", "--format", "geojson",
                 "--crs", str(crs), "--out", str(out))
    doc = json.loads(out.read_text())
    if crs == 25832:
        assert doc["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::25832"
    assert len(doc["features"]) == len(stored)
    for feature in doc["features"]:
        p = feature["properties"]
        assert set(p) >= {"id", "osm_way_id", "name", "class", "length_m", "grade"}
        segment = stored[p["id"]]
        for (x, y), (lon, lat) in zip(feature["geometry"]["coordinates"], segment.coords, strict=True):
            lon2, lat2 = back.transform(x, y)
            assert _metres(lon, lat, lon2, lat2) < 0.01
    out = tmp_path / "detections.csv"
    call_command("roads_export", "--town", town_network.ags, "--layer", "detections", "--format", "csv",
                 "--crs", str(crs), "--out", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    # A vendor's id that a spreadsheet would run as a formula is neutralised (core.cells).
    assert {r["id"] for r in rows} == {"p1", "'=p2()"}
    for r in rows:
        assert r["status"] == "suggested" and r["class"] in ("D40", "D00") and r["segment_id"]
        lon2, lat2 = back.transform(float(r["x"]), float(r["y"]))
        stored_detection = detections[r["id"].lstrip("'")]
        assert _metres(stored_detection.lon, stored_detection.lat, lon2, lat2) < 0.01


def _metres(lon1, lat1, lon2, lat2):
    from services.roads.geo import haversine_m

    return haversine_m(lon1, lat1, lon2, lat2)


def test_detection_files_are_read_within_the_upload_limits(town_network, monkeypatch):
    from services.roads import conf
    from services.roads.vendor import DetectionFileError

    # Windows-1252 (a spreadsheet's export) is read; NUL bytes are refused.
    text = HEADER + row("a", -180, 1).replace("img-a.jpg", "Straße.jpg")
    rows, errors = read_detections(text.encode("cp1252"), "v.csv")
    assert not errors and rows[0].image == "Straße.jpg"
    with pytest.raises(DetectionFileError, match="NUL bytes"):
        read_detections(text.encode("utf-16"), "v.csv")
    monkeypatch.setattr(conf, "MAX_DETECTION_ROWS", 2)
    with pytest.raises(DetectionFileError, match="more than 2 rows"):
        read_detections((HEADER + row("a", 0, 0) + row("b", 1, 0) + row("c", 2, 0)).encode(), "v.csv")
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [11.28, 49.51]}, "properties": {}}] * 3}
    with pytest.raises(DetectionFileError, match="more than 2 rows"):
        read_detections(json.dumps(doc).encode(), "v.geojson")
    monkeypatch.setattr(conf, "MAX_DETECTION_BYTES", 100)
    with pytest.raises(DetectionFileError, match="larger than"):
        read_detections(text.encode(), "v.csv")


def test_a_drive_corrects_the_gps_bias_along_the_road(town_network):
    """A drive east along Hauptstraße, then north up Kirchgasse, its GPS 5 m too far north all the way.

    On Kirchgasse the error runs along the road: each point alone puts damage 2–3 m before a segment end on
    the next segment. The drive showed the bias across Hauptstraße a few seconds earlier, so it is removed.
    """
    import datetime as dt

    from services.roads.actions.grading import network_matcher

    start = dt.datetime(2026, 4, 10, 9, 0, tzinfo=dt.UTC)
    route = [(east, 0.0, 90.0) for east in range(-120, -4, 5)] + [(0.0, north, 0.0) for north in range(6, 60, 2)]
    lines = []
    for number, (east, north, heading) in enumerate(route):
        lon, lat = offset(east, north + 5.0)  # the bias
        when = (start + dt.timedelta(seconds=number * 0.5)).isoformat()
        lines.append(f"d{number},{lat},{lon},D00,0.8,{when},{heading},,\n")
    rows, errors = read_detections((HEADER + "".join(lines)).encode(), "fahrt.csv")
    with schema_context(town_network.schema_name):
        assert import_detections(rows, errors, actor="pytest", town=town_network).created == len(route)
        near_end = [f"d{n}" for n, (east, north, _h) in enumerate(route) if east == 0 and 46 <= north < 50]
        assert near_end
        matched = dict(Detection.objects.filter(external_id__in=near_end).values_list("external_id", "segment__key"))
        assert set(matched.values()) == {"w102:3"}, matched
        # Each point alone lands on the next piece: what the drive corrected.
        matcher, _ids, _area = network_matcher()
        alone, _d = matcher.match([r.lon for r in rows if r.external_id in near_end],
                                  [r.lat for r in rows if r.external_id in near_end], [0.0] * len(near_end))
        keys = dict(Segment.objects.values_list("id", "key"))
        assert {keys[int(s)] for s in alone} == {"w102:4"}
