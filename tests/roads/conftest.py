from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django_tenants.utils import schema_context
from pyproj import Geod

from devtools.shared import shared_dir
from tests.catalog.conftest import subscribe_to_service, subscribing

DATA = shared_dir() / "data" / "roads"
LAUF_PBF = DATA / "lauf-200115.osm.pbf"

# A small town centre built for these tests: a main road crossing a residential street, a side road,
# a footway (not drivable) and a private service road (not public). Coordinates near Lauf a. d. Pegnitz.
ORIGIN = (11.2800, 49.5100)


GEOD = Geod(ellps="GRS80")


def offset(east_m: float, north_m: float, origin=ORIGIN) -> tuple[float, float]:
    """The point ``east_m`` east and ``north_m`` north of ``origin`` (on the ellipsoid, not via UTM)."""
    lon, lat, _ = GEOD.fwd(*origin, 90, east_m)
    lon, lat, _ = GEOD.fwd(lon, lat, 0, north_m)
    return (round(lon, 7), round(lat, 7))


WAYS = [
    # id, tags, points in metres from the origin
    (101, {"highway": "primary", "name": "Hauptstraße", "width": "7.5"}, [(-200, 0), (0, 0), (200, 0)]),
    (102, {"highway": "residential", "name": "Kirchgasse"}, [(0, -150), (0, 0), (0, 150)]),
    (103, {"highway": "tertiary", "name": "Bahnhofstraße"}, [(200, 0), (200, 120)]),
    (104, {"highway": "footway", "name": "Fußweg"}, [(-200, 50), (0, 50)]),
    (105, {"highway": "service", "access": "private"}, [(-100, -50), (-100, -100)]),
]


def osm_xml(ways=WAYS, shift_way: int | None = None) -> bytes:
    """An .osm file of ``ways``; ``shift_way`` moves that way's last node 20 m north (a changed road)."""
    nodes, refs = {}, {}
    next_id = 1
    for way_id, _tags, points in ways:
        refs[way_id] = []
        for point in points:
            if way_id == shift_way and point == points[-1]:
                point = (point[0], point[1] + 20)
            if point not in nodes:
                nodes[point] = next_id
                next_id += 1
            refs[way_id].append(nodes[point])
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="tests">']
    for point, node_id in nodes.items():
        lon, lat = offset(*point)
        lines.append(f'<node id="{node_id}" version="1" lat="{lat}" lon="{lon}"/>')
    for way_id, tags, _points in ways:
        lines.append(f'<way id="{way_id}" version="1">')
        lines += [f'<nd ref="{ref}"/>' for ref in refs[way_id]]
        lines += [f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    return "\n".join(lines).encode()


def lauf_pbf() -> Path:
    # The shared data file is part of the project's fixtures: its absence is a failure, not a skip.
    assert LAUF_PBF.is_file(), f"shared data missing: {LAUF_PBF} (the project's shared/ folder is required)"
    return LAUF_PBF


@pytest.fixture(autouse=True)
def _english_messages():
    """Actions and commands answer in the platform's language (German); these tests read the English sources."""
    from django.utils import translation

    with translation.override("en"):
        yield


def subscribe_to_roads(town) -> None:
    """An active roads subscription through the real workflow."""
    subscribe_to_service(town, "roads", title="AVV Straßenzustand", amount=Decimal("18000.00"))


@pytest.fixture
def make_town(make_town):
    return subscribing(make_town, subscribe_to_roads)


@pytest.fixture
def committed_town(committed_town):
    return subscribing(committed_town, subscribe_to_roads)


@pytest.fixture
def town_network(town_a):
    """Town A with the small test network imported."""
    from services.roads.actions.network import import_network

    with schema_context(town_a.schema_name):
        import_network(osm_xml(), "mitte.osm", actor="pytest", town=town_a)
    return town_a
