"""Where on the road a damage seen in an image lies: a simple pinhole camera model.

The camera (a phone behind the windscreen) sits ``ROADS_CAMERA_HEIGHT_M`` above a flat road and
looks along the vehicle's heading, tilted down by ``ROADS_CAMERA_PITCH_DEG``, without roll or lens
distortion, with a horizontal field of view of ``ROADS_CAMERA_HFOV_DEG`` (square pixels). The
bottom centre of a damage's box is where the damage meets the road nearest to the camera; the ray
through that pixel hits the road ``ahead`` metres in front of the camera and ``right`` metres to its
right. The box's width at that depth is the damage's extent across the road. A ray at or above the
horizon, or one that lands further than ``ROADS_CAMERA_MAX_RANGE_M`` ahead, is cut to that range.
Without a heading the damage stays at the camera's position.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pyproj import Geod

from services.roads import conf

_GEOD = Geod(ellps="GRS80")


@dataclass(frozen=True)
class Ground:
    ahead_m: float
    right_m: float
    width_m: float


def ground_offset(box, image_width: int, image_height: int) -> Ground:
    x1, _y1, x2, y2 = (float(v) for v in box)
    focal = (image_width / 2) / math.tan(math.radians(conf.CAMERA_HFOV_DEG) / 2)
    across = ((x1 + x2) / 2 - image_width / 2) / focal
    down = (y2 - image_height / 2) / focal
    pitch = math.radians(conf.CAMERA_PITCH_DEG)
    # The ray (across, down, 1) in camera axes, turned down by the pitch: its fall per unit of travel.
    fall = math.sin(pitch) + down * math.cos(pitch)
    forward = math.cos(pitch) - down * math.sin(pitch)
    limit = conf.CAMERA_MAX_RANGE_M
    depth = conf.CAMERA_HEIGHT_M / fall if fall > 0 else math.inf
    if not depth * forward <= limit:
        depth = limit / max(forward, 1e-6)
    return Ground(ahead_m=round(depth * forward, 2), right_m=round(depth * across, 2),
                  width_m=round(max(x2 - x1, 0.0) / focal * depth, 2))


def place(lon: float, lat: float, heading: float | None, box, image_width: int, image_height: int):
    """(lon, lat, width across the road in m) of a damage in a capture taken at lon/lat, heading."""
    ground = ground_offset(box, image_width, image_height)
    if heading is None:
        return lon, lat, ground.width_m
    # On the ellipsoid: the heading is against true north, which UTM's grid north is not (up to ~3°).
    azimuth = heading + math.degrees(math.atan2(ground.right_m, ground.ahead_m))
    out_lon, out_lat, _back = _GEOD.fwd(lon, lat, azimuth, math.hypot(ground.ahead_m, ground.right_m))
    return round(float(out_lon), 7), round(float(out_lat), 7), ground.width_m
