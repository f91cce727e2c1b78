"""Demo data: a made-up grid town ("Musterstadt"), a survey's detections, grades, decisions, a scenario.

The network is generated here (no third-party map data); detections are drawn with a fixed seed,
so a second ``make demo`` finds everything in place and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

from pyproj import Geod

ORIGIN = (11.2790, 49.5095)
STREETS = [("Hauptstraße", "primary", 7.0), ("Bahnhofstraße", "secondary", 6.5), ("Schulweg", "residential", None),
           ("Lindenstraße", "residential", None), ("Am Markt", "living_street", None), ("Mühlgasse", "residential", None),
           ("Gartenstraße", "residential", None), ("Kirchplatz", "tertiary", None)]
_GEOD = Geod(ellps="GRS80")


def _at(east: float, north: float) -> list[float]:
    lon, lat, _ = _GEOD.fwd(*ORIGIN, 90, east)
    lon, lat, _ = _GEOD.fwd(lon, lat, 0, north)
    return [round(lon, 7), round(lat, 7)]


def network_geojson() -> bytes:
    features = []
    for i, (name, highway, width) in enumerate(STREETS):
        if i % 2 == 0:  # east–west streets
            coords = [_at(-400, (i - 3) * 120), _at(0, (i - 3) * 120 + 8), _at(400, (i - 3) * 120)]
        else:  # north–south
            coords = [_at((i - 4) * 160, -420), _at((i - 4) * 160, 420)]
        features.append({"type": "Feature", "id": f"demo-{i}", "properties": {
            "name": name, "highway": highway, **({"width": width} if width else {})},
            "geometry": {"type": "LineString", "coordinates": coords}})
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def seed(town) -> dict:
    """Runs in the town's schema (the demo's service-seed loop sets it)."""
    import numpy as np
    from django.utils import timezone

    from services.roads.actions.detections import import_detections
    from services.roads.actions.grading import grade_town, network_matcher
    from services.roads.actions.network import import_network
    from services.roads.actions.review import decide
    from services.roads.actions.scenarios import compute_scenario
    from services.roads.models import Detection, Scenario, Segment, WorkOrder
    from services.roads.vendor import DetectionRow

    import_network(network_geojson(), "musterstadt-demo.geojson", actor="demo", town=town)
    matcher, _ids, _area = network_matcher()
    rng = random.Random(42)
    import shapely

    from services.roads import geo

    rows = []
    when = timezone.make_aware(dt.datetime(2026, 4, 14, 9, 0))
    # Some streets are in worse shape than others: damage density per street.
    keys = dict(Segment.objects.values_list("id", "key"))
    for n in range(360):
        position = rng.randrange(len(matcher.ids))
        street = int(keys[int(matcher.ids[position])].split(":")[0].split("-")[1])
        if rng.random() > (0.15 + 0.12 * street):
            continue
        line = matcher.lines[position]
        point = shapely.line_interpolate_point(line, rng.random() * line.length)
        lon, lat = geo.to_wgs84(point.x + rng.gauss(0, 2), point.y + rng.gauss(0, 2))
        cls = rng.choices(["D00", "D10", "D20", "D40"], weights=[50, 25, 15, 10])[0]
        rows.append(DetectionRow(external_id=f"demo-{n}", damage_class=cls, confidence=round(rng.uniform(0.4, 0.97), 2),
                                 lat=float(lat), lon=float(lon), captured_at=when, width_m=round(rng.uniform(0.3, 2.5), 1)))
    import_detections(rows, [], actor="demo", town=town, survey_name="Befahrung 2026")
    grade_town(actor="demo", town=town)
    if not Detection.objects.exclude(status="suggested").exists():
        main_road = Detection.objects.filter(damage_class="D40", segment__highway="primary").order_by("id").first()
        if main_road:
            decide(main_road, "confirm", actor="demo", town=town, note="Tiefes Schlagloch, Fahrbahnmitte")
        for d in Detection.objects.filter(status="suggested").order_by("id")[:5]:
            decide(d, "reject" if d.confidence < 0.5 else "confirm", actor="demo", town=town)
        grade_town(actor="demo", town=town)
    if not Scenario.objects.exists():
        compute_scenario(name="Haushalt 2027–2031", annual_budget=Decimal("150000"), years=5, actor="demo", town=town)
    graded = Segment.objects.filter(grade__isnull=False)
    return {"segments": Segment.objects.count(), "detections": Detection.objects.count(),
            "graded": graded.count(),
            "mean_grade": round(float(np.mean(list(graded.values_list("grade", flat=True)) or [0])), 2),
            "work_orders": WorkOrder.objects.count(), "map": f"{town.url.rstrip('/')}/roads/"}
