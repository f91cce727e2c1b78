"""Map matching of drives: detections placed ahead of the camera, cross streets the drive never took,
and the bulk import path that checks the foreign keys once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_context

from services.roads.actions.detections import import_detections
from services.roads.actions.grading import network_matcher
from services.roads.models import Detection, Segment
from services.roads.vendor import read_detections

from .conftest import offset

HEADER = "id,lat,lon,class,confidence,captured_at,heading,image,width_m\n"
START = dt.datetime(2026, 4, 10, 9, 0, tzinfo=dt.UTC)
SPEED_M_S = 10.0


def _route_point(s: float) -> tuple[float, float, float]:
    """East along Hauptstraße from 120 m west of the crossing, then north up Kirchgasse: (east, north, course)."""
    return (s - 120.0, 0.0, 90.0) if s <= 120.0 else (0.0, s - 120.0, 0.0)


def _drive_csv(damage, ahead_m: float, with_heading: bool = True) -> bytes:
    """One row per damage (route position, metres to the right of the route): the damage's position, the
    time of the image taken ``ahead_m`` before it and the camera's course then."""
    lines = []
    for number, (s, right) in enumerate(damage):
        east, north, course = _route_point(s)
        east, north = (east, north - right) if course == 90.0 else (east + right, north)
        lon, lat = offset(east, north)
        _e, _n, camera_course = _route_point(max(s - ahead_m, 0.0))
        when = (START + dt.timedelta(seconds=(s - ahead_m) / SPEED_M_S)).isoformat()
        heading = camera_course if with_heading else ""
        lines.append(f"d{number},{lat},{lon},D00,0.8,{when},{heading},,\n")
    return (HEADER + "".join(lines)).encode()


def _truth(s: float) -> str:
    east, north, course = _route_point(s)
    return f"w101:{int((east + 200) // 50)}" if course == 90.0 else f"w102:{3 + int(north // 50)}"


def _import(town, data: bytes) -> dict[str, str]:
    rows, errors = read_detections(data, "fahrt.csv")
    with schema_context(town.schema_name):
        assert import_detections(rows, errors, actor="pytest", town=town).created == len(rows)
        return dict(Detection.objects.values_list("external_id", "segment__key"))


def test_damage_seen_far_ahead_at_a_turn_stays_on_the_road_it_lies_on(town_network):
    """The camera sees damage 18 m ahead, so just after the turn into Kirchgasse the images' heading is still
    Hauptstraße's. Damage 2–10 m up Kirchgasse, 1.5 m east of its centreline, lies nearer to Hauptstraße's
    centreline east of the crossing: each point alone with its heading (and a fixed look-ahead of less than
    18 m) puts it there. The drive came along Hauptstraße from the west and went on up Kirchgasse."""
    damage = [(s, -1.5 if (s // 4) % 2 else 1.5) for s in range(21, 118, 4)]
    damage += [(s, 1.5) for s in range(123, 200, 4)]
    got = _import(town_network, _drive_csv(damage, ahead_m=18.0))
    wrong = {f"d{n}": (got[f"d{n}"], _truth(s)) for n, (s, _r) in enumerate(damage) if got[f"d{n}"] != _truth(s)}
    assert not wrong, wrong
    # Each point alone, with the heading the image carries: what the drive corrected.
    near_turn = [n for n, (s, _r) in enumerate(damage) if 120 <= s <= 128]
    rows, _errors = read_detections(_drive_csv(damage, ahead_m=18.0), "fahrt.csv")
    with schema_context(town_network.schema_name):
        matcher, _ids, _area = network_matcher()
        alone, _d = matcher.match([rows[n].lon for n in near_turn], [rows[n].lat for n in near_turn],
                                  [rows[n].heading for n in near_turn])
        keys = dict(Segment.objects.values_list("id", "key"))
        assert {keys[int(s)] for s in alone} == {"w101:4"}


def test_a_cross_street_the_drive_never_took_does_not_take_its_damage(town_network):
    """A drive straight along Hauptstraße over the Kirchgasse crossing, without headings (a vendor file that
    has none). Damage 3 m past the crossing and 2.5 m to the left of the centreline lies nearer to Kirchgasse
    than to Hauptstraße, but the drive never turned there."""
    route = sorted([(float(s), 1.0 if (s // 5) % 2 else -1.0) for s in range(42, 240, 5)] + [(121.5, -2.5)])
    lines = []
    for number, (s, right) in enumerate(route):
        lon, lat = offset(s - 120.0, -right)
        when = (START + dt.timedelta(seconds=s / SPEED_M_S)).isoformat()
        lines.append(f"c{number},{lat},{lon},D00,0.8,{when},,,\n")
    got = _import(town_network, (HEADER + "".join(lines)).encode())
    crossing = next(n for n, (s, _r) in enumerate(route) if s == 121.5)
    assert got[f"c{crossing}"] == "w101:4"
    assert {v.split(":")[0] for v in got.values()} == {"w101"}
    rows, _errors = read_detections((HEADER + "".join(lines)).encode(), "fahrt.csv")
    with schema_context(town_network.schema_name):
        matcher, _ids, _area = network_matcher()
        alone, _d = matcher.match([rows[crossing].lon], [rows[crossing].lat])
        assert Segment.objects.get(pk=int(alone[0])).osm_way_id == 102


def test_a_large_import_checks_the_foreign_keys_once_and_keeps_them(town_network, monkeypatch):
    from services.roads.actions import detections

    monkeypatch.setattr(detections, "BULK_ROWS", 2)

    def constraints():
        with connection.cursor() as cursor:
            cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                           "WHERE conrelid = 'roads_detection'::regclass AND contype = 'f' ORDER BY conname")
            return cursor.fetchall()

    with schema_context(town_network.schema_name):
        before = constraints()
        assert len(before) == 3
    damage = [(s, 1.0) for s in range(20, 200, 10)]
    got = _import(town_network, _drive_csv(damage, ahead_m=8.0))
    assert len(got) == len(damage) and all(got.values())
    with schema_context(town_network.schema_name):
        assert constraints() == before
        # The constraints still hold: a detection on a segment that does not exist is refused.
        with pytest.raises(IntegrityError), transaction.atomic():
            Detection.objects.filter(external_id="d0").update(segment_id=10**9)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_gpx_track_covers_only_the_roads_it_drove(town_network):
    """A track along Hauptstraße over the Kirchgasse crossing, its GPS 6 m too far north all the way: at the
    crossing the fix lies on Kirchgasse's centreline. Matched as a drive, with its course as the heading,
    the survey covers Hauptstraße only: Kirchgasse gets no grade from it."""
    from services.roads.actions.captures import open_batch, receive_files
    from services.roads.actions.grading import grade_town
    from services.roads.models import SegmentGrade

    from .images import gpx

    track = gpx([offset(x, 6) for x in range(-190, 191, 20)])
    with schema_context(town_network.schema_name):
        batch = open_batch(survey_name="Fahrt", name="", actor="pytest", town=town_network)
        assert receive_files(batch, [("fahrt.gpx", track)], actor="pytest", town=town_network).ok
        grade_town(actor="pytest", town=town_network)
        graded = set(SegmentGrade.objects.values_list("segment__key", flat=True))
        assert {f"w101:{n}" for n in range(8)} <= graded
        assert not {key for key in graded if not key.startswith("w101:")}, graded
