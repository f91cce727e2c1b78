"""Map matching: each point to its nearest segment within a tolerance, helped by the vehicle's heading.

Vectorised with shapely 2 (an STRtree over the segments in metres, EPSG:25832): all
candidate segments within the tolerance are scored by distance, plus a penalty when the
road runs across the vehicle's direction of travel (roads are matched in both directions).
"""

from __future__ import annotations

import numpy as np
import shapely

from services.roads import geo

# Metres added to the distance of a road at right angles to the heading: at a crossing, the road
# the vehicle drives on wins over the cross street even when the GPS fix lies nearer to the latter.
HEADING_PENALTY_M = 8.0


class Matcher:
    def __init__(self, segment_ids, segment_coords):
        self.ids = np.asarray(list(segment_ids), dtype=np.int64)
        coords = list(segment_coords)
        if len(coords):
            counts = np.array([len(c) for c in coords])
            flat = np.asarray([p for c in coords for p in c], dtype=float)
            x, y = geo.to_metric(flat[:, 0], flat[:, 1])
            self.lines = shapely.linestrings(np.column_stack([x, y]), indices=np.repeat(np.arange(len(coords)), counts))
        else:
            self.lines = np.array([], dtype=object)
        self.tree = shapely.STRtree(self.lines)

    def __len__(self) -> int:
        return len(self.ids)

    def match(self, lon, lat, heading=None, tolerance_m: float = 15.0):
        """Segment id (or -1) and distance in metres (nan when unmatched) for each point."""
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        n = len(lon)
        best_id = np.full(n, -1, dtype=np.int64)
        best_distance = np.full(n, np.nan)
        if n == 0 or len(self.ids) == 0:
            return best_id, best_distance
        x, y = geo.to_metric(lon, lat)
        points = shapely.points(x, y)
        point_index, line_index = self.tree.query(points, predicate="dwithin", distance=tolerance_m)
        if len(point_index) == 0:
            return best_id, best_distance
        lines = self.lines[line_index]
        pts = points[point_index]
        distance = shapely.distance(pts, lines)
        cost = distance.copy()
        if heading is not None:
            heading = np.asarray(heading, dtype=float)[point_index]
            known = ~np.isnan(heading)
            if known.any():
                bearing = _bearing_at(lines[known], pts[known])
                # Angle between the heading and the road, either direction: 0 (along) .. 90 (across).
                diff = np.abs((heading[known] - bearing + 90.0) % 180.0 - 90.0)
                cost[known] += HEADING_PENALTY_M * np.sin(np.radians(diff))
        order = np.lexsort((cost, point_index))
        first = np.ones(len(order), dtype=bool)
        first[1:] = point_index[order][1:] != point_index[order][:-1]
        chosen = order[first]
        best_id[point_index[chosen]] = self.ids[line_index[chosen]]
        best_distance[point_index[chosen]] = distance[chosen]
        return best_id, best_distance


def _bearing_at(lines, points) -> np.ndarray:
    """Compass bearing (0 = north, clockwise) of each line where it is nearest to the point."""
    position = shapely.line_locate_point(lines, points)
    length = shapely.length(lines)
    before = shapely.line_interpolate_point(lines, np.clip(position - 1.0, 0, length))
    after = shapely.line_interpolate_point(lines, np.clip(position + 1.0, 0, length))
    dx = shapely.get_x(after) - shapely.get_x(before)
    dy = shapely.get_y(after) - shapely.get_y(before)
    return np.degrees(np.arctan2(dx, dy)) % 360.0


def segment_bearing(coords) -> float:
    line = geo.line_to_metric(coords)
    (x1, y1), (x2, y2) = line.coords[0], line.coords[-1]
    return float(np.degrees(np.arctan2(x2 - x1, y2 - y1)) % 360.0)
