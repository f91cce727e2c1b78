"""Coordinates: WGS 84 (EPSG:4326) for storage, ETRS89 / UTM 32N (EPSG:25832) for metres.

UTM zone 32 is the German surveying reference for most Länder; for towns in zone 33 its
scale error stays below 0.1 %, far inside GPS noise.
"""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import shapely
from pyproj import Transformer
from shapely.ops import substring

WGS84 = 4326
ETRS89_UTM32 = 25832
_FORWARD = Transformer.from_crs(WGS84, ETRS89_UTM32, always_xy=True)
_BACKWARD = Transformer.from_crs(ETRS89_UTM32, WGS84, always_xy=True)


def to_metric(lon, lat):
    return _FORWARD.transform(lon, lat)


def to_wgs84(x, y):
    return _BACKWARD.transform(x, y)


def line_to_metric(coords) -> shapely.LineString:
    arr = np.asarray(coords, dtype=float)
    x, y = _FORWARD.transform(arr[:, 0], arr[:, 1])
    return shapely.LineString(np.column_stack([x, y]))


def line_to_wgs84(line: shapely.LineString, digits: int = 7) -> list[list[float]]:
    arr = shapely.get_coordinates(line)
    lon, lat = _BACKWARD.transform(arr[:, 0], arr[:, 1])
    return [[round(a, digits), round(b, digits)] for a, b in zip(lon, lat, strict=True)]


def split_line(line: shapely.LineString, target_m: float) -> list[shapely.LineString]:
    """Equal pieces of about ``target_m`` (never a 3 m stub at the end of a way)."""
    length = line.length
    pieces = max(1, round(length / target_m)) if length > target_m else 1
    if pieces == 1:
        return [line]
    step = length / pieces
    return [substring(line, i * step, (i + 1) * step) for i in range(pieces)]


def geometry_hash(coords) -> str:
    return hashlib.sha256(json.dumps(coords, separators=(",", ":")).encode()).hexdigest()


def bbox(coords) -> tuple[float, float, float, float]:
    arr = np.asarray(coords, dtype=float)
    return (float(arr[:, 0].min()), float(arr[:, 1].min()), float(arr[:, 0].max()), float(arr[:, 1].max()))


def haversine_m(lon1, lat1, lon2, lat2) -> float:
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))
