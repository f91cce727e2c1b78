"""Road network import: OSM (.osm, .osm.gz, .osm.pbf) and GeoJSON, segmenting, re-import, bad files."""

from __future__ import annotations

import gzip
import json

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from services.roads.actions.network import import_network
from services.roads.models import NetworkImport, Segment
from services.roads.sources import NetworkFileError

from .conftest import lauf_pbf, offset, osm_xml


def test_osm_import_keeps_public_drivable_roads_in_segments(town_a):
    with schema_context(town_a.schema_name):
        run = import_network(osm_xml(), "mitte.osm", actor="pytest", town=town_a)
        segments = list(Segment.objects.all())
        assert run.created == len(segments) > 0
        # footway and the private service road are not part of the drivable public network
        assert {s.osm_way_id for s in segments} == {101, 102, 103}
        main = [s for s in segments if s.osm_way_id == 101]
        # 400 m of Hauptstraße in two ways' pieces of about 50 m
        assert len(main) == 8
        assert all(abs(s.length_m - 50) < 1 for s in main)
        assert all(s.name == "Hauptstraße" and s.highway == "primary" and s.width_m == 7.5 and s.width_source == "osm"
                   for s in main)
        kirch = [s for s in segments if s.osm_way_id == 102]
        assert all(s.width_source == "default" and s.width_m == 5.5 for s in kirch)
        assert abs(sum(s.length_m for s in kirch) - 300) < 1
        first = Segment.objects.get(key="w101:0")
        assert first.coords[0] == pytest.approx(list(offset(-200, 0)), abs=1e-7)
        lon_min, lat_min, lon_max, lat_max = first.bbox
        assert lon_min < lon_max and lat_min == pytest.approx(lat_max, abs=1e-6)


def test_reimport_keeps_history_of_unchanged_segments_and_retires_missing(town_network):
    from services.roads.models import Detection, Survey

    with schema_context(town_network.schema_name):
        before = {s.key: s.pk for s in Segment.objects.all()}
        survey = Survey.objects.create(name="2026")
        kept = Segment.objects.get(key="w101:0")
        detection = Detection.objects.create(external_id="d1", survey=survey, source="vendor", suggested_class="D40",
                                             damage_class="D40", confidence=0.9, lat=0, lon=0,
                                             captured_at="2026-05-01T10:00:00Z", segment=kept)
        # Bahnhofstraße moved, the footway-free network loses nothing else; Kirchgasse removed.
        ways = [w for w in __import__("tests.roads.conftest", fromlist=["WAYS"]).WAYS if w[0] != 102]
        run = import_network(osm_xml(ways, shift_way=103), "mitte.osm", actor="pytest", town=town_network)
        assert run.retired == len([k for k in before if k.startswith("w102:")])
        assert run.updated >= 1 and run.unchanged == len([k for k in before if k.startswith("w101:")])
        assert Segment.objects.get(key="w101:0").pk == before["w101:0"]
        detection.refresh_from_db()
        assert detection.segment_id == before["w101:0"]
        retired = Segment.objects.filter(key__startswith="w102:")
        assert retired.count() and not retired.filter(active=True).exists()
        assert NetworkImport.objects.count() == 2


def test_gzipped_osm_and_geojson(town_a):
    with schema_context(town_a.schema_name):
        run = import_network(gzip.compress(osm_xml()), "mitte.osm.gz", actor="pytest", town=town_a)
        assert run.created > 0
        doc = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": "gasse", "properties": {"highway": "residential", "name": "Gasse",
                                                              "width": 4},
             "geometry": {"type": "LineString", "coordinates": [offset(0, 300), offset(120, 300)]}},
            {"type": "Feature", "properties": {"highway": "footway"},
             "geometry": {"type": "LineString", "coordinates": [offset(0, 310), offset(120, 310)]}},
        ]}
        run = import_network(json.dumps(doc).encode(), "gassen.geojson", actor="pytest", town=town_a)
        gasse = Segment.objects.filter(key__startswith="gasse:", active=True)
        assert run.created == gasse.count() == 2
        assert gasse.first().width_m == 4


@pytest.mark.parametrize("data, name, message", [
    (b"", "leer.osm.pbf", "empty"),
    (b"this is not xml", "kaputt.osm", "cannot be read"),
    (b"\x00\x01garbage", "kaputt.osm.pbf", "cannot be read"),
    (b'<?xml version="1.0"?><osm version="0.6"></osm>', "ohne.osm", "no roads"),
    (b'{"type": "FeatureCollection", "features": []}', "leer.geojson", "no roads"),
    (b"{not json", "kaputt.geojson", "valid JSON"),
    (b"name;value", "tabelle.csv", "neither"),
    # A decompression bomb: refused while unpacking (core.uploads' ratio), before osmium sees it.
    (gzip.compress(b'<?xml version="1.0"?><osm version="0.6">' + b" " * 5_000_000 + b"</osm>"), "bombe.osm.gz",
     "unpacks to more than"),
    (b"{" * 100 + b"}" * 100, "tief.geojson", "nested more than"),
])
def test_bad_network_files_are_refused_and_nothing_is_written(town_a, data, name, message):
    with schema_context(town_a.schema_name):
        with pytest.raises(NetworkFileError, match=message):
            import_network(data, name, actor="pytest", town=town_a)
        assert not Segment.objects.exists() and not NetworkImport.objects.exists()


def test_command_imports_the_lauf_extract(town_a, capsys):
    call_command("roads_import_network", "--town", town_a.ags, str(lauf_pbf()))
    out = capsys.readouterr().out
    with schema_context(town_a.schema_name):
        count = Segment.objects.count()
        assert count > 1000
        assert Segment.objects.filter(name="Bahnhofstraße").exists() or Segment.objects.exclude(name="").exists()
        assert not Segment.objects.filter(highway__in=["footway", "service", "track", "motorway"]).exists()
    assert f"{count} segments created" in out
    # The same file again: every segment unchanged.
    call_command("roads_import_network", "--town", town_a.ags, str(lauf_pbf()))
    assert f"0 segments created, 0 updated, {count} unchanged, 0 retired" in capsys.readouterr().out


def test_command_errors(town_a, tmp_path):
    with pytest.raises(CommandError, match="No town"):
        call_command("roads_import_network", "--town", "00000000", str(tmp_path / "x.osm"))
    with pytest.raises(CommandError, match="No such file"):
        call_command("roads_import_network", "--town", town_a.ags, str(tmp_path / "x.osm"))
    empty = tmp_path / "leer.osm.pbf"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        call_command("roads_import_network", "--town", town_a.ags, str(empty))


def test_network_files_are_read_within_the_upload_limits(town_a, monkeypatch):
    from services.roads import conf

    with schema_context(town_a.schema_name):
        # A packed .osm is unpacked within the limits and imported.
        assert import_network(gzip.compress(osm_xml()), "mitte.osm.gz", actor="pytest", town=town_a).created > 0
        monkeypatch.setattr(conf, "MAX_NETWORK_BYTES", 1000)
        with pytest.raises(NetworkFileError, match="larger than 0.001 MB"):
            import_network(osm_xml(), "mitte.osm", actor="pytest", town=town_a)
