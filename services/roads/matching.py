"""Map matching: points to segments within a tolerance, helped by heading and by the drive they belong to.

Vectorised with shapely 2 (an STRtree over the segments in metres, EPSG:25832). ``Matcher.match``
takes each point alone: all candidate segments within the tolerance are scored by distance, plus a
penalty when the road runs across the vehicle's direction of travel (roads are matched in both
directions).

``Matcher.match_drives`` uses what a point alone cannot tell. Points come from drives (a sequence
in time), and GPS error is not white noise: most of it is a bias that wanders slowly (atmosphere,
satellite geometry, multipath; correlation times of tens of seconds to minutes). A single fix shows
the error only across the road it lies beside (its distance from the centreline); the error along the
road, which moves damage near a segment's end onto the neighbouring segment, is invisible. A drive
turns, though: across an east–west street the fixes show the north–south part of the bias, across a
north–south street the east–west part. So the bias is estimated per point from the cross-road
residuals of the drive's points within ``BIAS_WINDOW_S`` seconds (regularised least squares, one
2 × 2 system per point, all points at once with cumulative sums), subtracted, and the points are
matched again. Where the drive went straight for the whole window the along-road part stays
unknown and is left alone (the regularisation keeps it at zero). Last, a point whose segment differs
from both its neighbours in the drive, which agree with each other, follows them when their segment
is within the tolerance (a single fix cannot leave a road and come back within seconds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from services.roads import geo

# Metres added to the distance of a road at right angles to the heading: at a crossing, the road
# the vehicle drives on wins over the cross street even when the GPS fix lies nearer to the latter.
HEADING_PENALTY_M = 8.0
# Drives: a pause longer than this, or a jump faster than this, starts a new drive.
DRIVE_GAP_S = 120.0
DRIVE_MAX_SPEED_M_S = 60.0
# Damage is seen about this far ahead of the camera (a vendor's position is the damage's, its heading the
# vehicle's at the time of the image); the speed over ± this many seconds of the drive gives the delay.
LOOKAHEAD_M = 8.0
SPEED_WINDOW_S = 5.0
# Bias estimation: residuals of the drive's points within ± this many seconds.
BIAS_WINDOW_S = 20.0
# Prior of the bias (m, per axis) and the scatter of one residual about it (m): the lateral position
# of the damage or the camera on the carriageway, the GPS error that changes from fix to fix, and the
# bias's own drift within the window.
BIAS_PRIOR_M = 4.0
RESIDUAL_SCATTER_M = 8.0
# Residuals further than this from the centreline are not used (likely the wrong road); one pass.
BIAS_GATES_M = (10.0,)
# Points this close to a segment's end tell nothing reliable about the bias across it (junctions).
END_MARGIN_M = 2.0


class Matcher:
    """The active segments as straight edges in metres, on a grid for candidate look-ups (pure numpy)."""

    def __init__(self, segment_ids, segment_coords):
        self.ids = np.asarray(list(segment_ids), dtype=np.int64)
        coords = list(segment_coords)
        if len(coords):
            counts = np.array([len(c) for c in coords])
            flat = np.asarray([p for c in coords for p in c], dtype=float)
            x, y = geo.to_metric(flat[:, 0], flat[:, 1])
            owner = np.repeat(np.arange(len(coords)), counts)
            self.lines = shapely.linestrings(np.column_stack([x, y]), indices=owner)
            # Edges: consecutive vertices of the same segment.
            inner = owner[1:] == owner[:-1]
            self.ax, self.ay = np.asarray(x)[:-1][inner], np.asarray(y)[:-1][inner]
            dx, dy = np.diff(x)[inner], np.diff(y)[inner]
            self.edge_segment = owner[:-1][inner]
            self.edge_length = np.hypot(dx, dy)
            keep = self.edge_length > 0
            self.ax, self.ay, dx, dy = self.ax[keep], self.ay[keep], dx[keep], dy[keep]
            self.edge_segment, self.edge_length = self.edge_segment[keep], self.edge_length[keep]
            self.ux, self.uy = dx / self.edge_length, dy / self.edge_length
            # Position of each edge's start along its segment.
            total = np.concatenate([[0.0], np.cumsum(self.edge_length)])
            first = np.searchsorted(self.edge_segment, np.arange(len(coords)))
            self.edge_start = total[:-1] - total[first][self.edge_segment]
            self.lengths = np.bincount(self.edge_segment, weights=self.edge_length, minlength=len(coords))
        else:
            self.lines = np.array([], dtype=object)
            self.lengths = np.array([])
        self._grids: dict[float, tuple] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def match(self, lon, lat, heading=None, tolerance_m: float = 15.0):
        """Segment id (or -1) and distance in metres (nan when unmatched) for each point, taken alone."""
        lon = np.asarray(lon, dtype=float)
        if len(lon) == 0 or len(self.ids) == 0:
            return np.full(len(lon), -1, dtype=np.int64), np.full(len(lon), np.nan)
        x, y = geo.to_metric(lon, np.asarray(lat, dtype=float))
        found = self.match_metric(np.asarray(x), np.asarray(y), _headings(heading, len(lon)), tolerance_m)
        return self._ids(found.index), found.distance

    def match_drives(self, lon, lat, heading=None, time_s=None, drive=None, tolerance_m: float = 15.0,
                     lookahead_m: float | None = None):
        """Like ``match``, for points of drives: ``time_s`` (seconds, e.g. Unix time) orders them,
        ``drive`` (any integer label, optional) keeps different vehicles' drives apart. ``lookahead_m``:
        how far ahead of the camera the points lie (damage: ``LOOKAHEAD_M``; the camera's own positions: 0)."""
        lon = np.asarray(lon, dtype=float)
        n = len(lon)
        if time_s is None or n == 0 or len(self.ids) == 0:
            return self.match(lon, lat, heading, tolerance_m)
        x, y = geo.to_metric(lon, np.asarray(lat, dtype=float))
        x, y = np.asarray(x), np.asarray(y)
        heading = _headings(heading, n)
        time_s = np.asarray(time_s, dtype=float)
        drive = np.zeros(n, dtype=np.int64) if drive is None else np.asarray(drive, dtype=np.int64)
        order = np.lexsort((time_s, drive))
        x, y, heading, time_s, drive = x[order], y[order], heading[order], time_s[order], drive[order]
        runs = _drives(x, y, time_s, drive)
        heading = _heading_on_arrival(x, y, heading, time_s, runs,
                                      LOOKAHEAD_M if lookahead_m is None else lookahead_m)
        found = self.match_metric(x, y, heading, tolerance_m)
        bx = by = np.zeros(n)
        for gate in BIAS_GATES_M:
            # Residuals of the corrected points: what is left of the bias.
            more_x, more_y = self._bias(found, time_s, runs, gate)
            bx, by = bx + more_x, by + more_y
            found = self.match_metric(x - bx, y - by, heading, tolerance_m)
        index = self._continuity(x - bx, y - by, found.index, runs, time_s, tolerance_m)
        out_index = np.empty(n, dtype=np.int64)
        out_distance = np.empty(n)
        out_index[order] = index
        out_distance[order] = found.distance
        return self._ids(out_index), out_distance

    def _ids(self, index):
        return np.where(index >= 0, self.ids[np.maximum(index, 0)], -1)

    def _grid(self, tolerance_m: float):
        """Cells of ``tolerance_m`` metres, each listing the edges that come within the tolerance of it."""
        if tolerance_m not in self._grids:
            size = max(float(tolerance_m), 5.0)
            bx, by = self.ax + self.ux * self.edge_length, self.ay + self.uy * self.edge_length
            x0 = np.floor((np.minimum(self.ax, bx) - tolerance_m) / size).astype(np.int64)
            x1 = np.floor((np.maximum(self.ax, bx) + tolerance_m) / size).astype(np.int64)
            y0 = np.floor((np.minimum(self.ay, by) - tolerance_m) / size).astype(np.int64)
            y1 = np.floor((np.maximum(self.ay, by) + tolerance_m) / size).astype(np.int64)
            wide, high = x1 - x0 + 1, y1 - y0 + 1
            edge = np.repeat(np.arange(len(self.ax)), wide * high)
            offset = np.arange(len(edge)) - np.repeat(np.cumsum(wide * high) - wide * high, wide * high)
            cx = x0[edge] + offset % wide[edge]
            cy = y0[edge] + offset // wide[edge]
            key = _cell_key(cx, cy)
            order = np.argsort(key, kind="stable")
            self._grids[tolerance_m] = (size, key[order], edge[order])
        return self._grids[tolerance_m]

    def match_metric(self, x, y, heading, tolerance_m: float) -> Found:
        """The best segment for each point in EPSG:25832 metres (index into ``self.lines`` or -1)."""
        n = len(x)
        found = Found.empty(n)
        found.x, found.y = x, y
        size, keys, edges = self._grid(tolerance_m)
        cell = _cell_key(np.floor(x / size).astype(np.int64), np.floor(y / size).astype(np.int64))
        lo, hi = np.searchsorted(keys, cell, side="left"), np.searchsorted(keys, cell, side="right")
        count = hi - lo
        point = np.repeat(np.arange(n), count)
        if len(point) == 0:
            return found
        edge = edges[np.arange(len(point)) - np.repeat(np.cumsum(count) - count, count) + np.repeat(lo, count)]
        # Nearest point on each candidate edge.
        ax, ay, ux, uy = self.ax[edge], self.ay[edge], self.ux[edge], self.uy[edge]
        t = np.clip((x[point] - ax) * ux + (y[point] - ay) * uy, 0.0, self.edge_length[edge])
        qx, qy = ax + t * ux, ay + t * uy
        distance = np.hypot(x[point] - qx, y[point] - qy)
        near = distance <= tolerance_m
        point, edge, t, qx, qy, distance = point[near], edge[near], t[near], qx[near], qy[near], distance[near]
        cost = distance.copy()
        along = heading[point]
        known = ~np.isnan(along)
        if known.any():
            # Angle between the heading and the road, either direction: 0 (along) .. 90 (across).
            bearing = np.degrees(np.arctan2(self.ux[edge[known]], self.uy[edge[known]]))
            diff = np.abs((along[known] - bearing + 90.0) % 180.0 - 90.0)
            cost[known] += HEADING_PENALTY_M * np.sin(np.radians(diff))
        # A segment is as near as its nearest edge; the point takes the cheapest segment.
        order = np.lexsort((cost, point))
        first = np.ones(len(order), dtype=bool)
        first[1:] = point[order][1:] != point[order][:-1]
        chosen = order[first]
        where = point[chosen]
        segment = self.edge_segment[edge[chosen]]
        found.index[where] = segment
        found.distance[where] = distance[chosen]
        found.along[where] = self.edge_start[edge[chosen]] + t[chosen]
        found.qx[where], found.qy[where] = qx[chosen], qy[chosen]
        found.ux[where], found.uy[where] = self.ux[edge[chosen]], self.uy[edge[chosen]]
        return found

    def _bias(self, found: Found, time_s, runs, gate_m: float):
        """Per point, the GPS bias (east, north) estimated from the drive's cross-road residuals around it."""
        ok = found.index >= 0
        ex, ey = -found.uy, found.ux  # unit normal, left of the digitised direction
        residual = (found.x - found.qx) * ex + (found.y - found.qy) * ey
        length = self.lengths[np.maximum(found.index, 0)]
        use = ok & (np.abs(residual) < gate_m) & (found.along > END_MARGIN_M) & (found.along < length - END_MARGIN_M)
        nx, ny, d = np.where(use, ex, 0.0), np.where(use, ey, 0.0), np.where(use, residual, 0.0)
        # Sliding windows by time within each drive: drives are kept apart by a large offset.
        key = runs * (np.ptp(time_s) + 4 * BIAS_WINDOW_S) + (time_s - time_s.min())
        lo = np.searchsorted(key, key - BIAS_WINDOW_S, side="left")
        hi = np.searchsorted(key, key + BIAS_WINDOW_S, side="right")

        def window(values):
            total = np.concatenate([[0.0], np.cumsum(values)])
            return total[hi] - total[lo]

        prior = (RESIDUAL_SCATTER_M / BIAS_PRIOR_M) ** 2
        a11, a12, a22 = window(nx * nx) + prior, window(nx * ny), window(ny * ny) + prior
        c1, c2 = window(nx * d), window(ny * d)
        det = a11 * a22 - a12 * a12
        return (a22 * c1 - a12 * c2) / det, (a11 * c2 - a12 * c1) / det

    def _continuity(self, x, y, index, runs, time_s, tolerance_m: float):
        """A point off the segment both its neighbours in the drive share follows them, when within reach.

        Only between points taken at different times: points of the same instant have no order.
        """
        if len(index) < 3:
            return index
        before, after = index[:-2], index[2:]
        middle = index[1:-1]
        same_run = ((runs[:-2] == runs[1:-1]) & (runs[2:] == runs[1:-1])
                    & (time_s[:-2] < time_s[1:-1]) & (time_s[1:-1] < time_s[2:]))
        flip = np.flatnonzero(same_run & (before == after) & (before >= 0) & (middle != before)) + 1
        if len(flip) == 0:
            return index
        target = index[flip - 1]
        reach = shapely.distance(shapely.points(x[flip], y[flip]), self.lines[target]) <= tolerance_m
        index = index.copy()
        index[flip[reach]] = target[reach]
        return index


@dataclass
class Found:
    """Per point: segment index (-1: none), distance, position along the segment, nearest point, direction."""

    index: np.ndarray
    distance: np.ndarray
    along: np.ndarray
    qx: np.ndarray
    qy: np.ndarray
    ux: np.ndarray
    uy: np.ndarray
    x: np.ndarray
    y: np.ndarray

    @classmethod
    def empty(cls, n: int) -> Found:
        nan = np.full(n, np.nan)
        return cls(np.full(n, -1, dtype=np.int64), nan, nan.copy(), nan.copy(), nan.copy(), np.zeros(n),
                   np.zeros(n), nan.copy(), nan.copy())


def _cell_key(cx, cy):
    return cx * 4_000_000 + cy


def _headings(heading, n: int) -> np.ndarray:
    if heading is None:
        return np.full(n, np.nan)
    return np.asarray([np.nan if h is None else h for h in heading] if isinstance(heading, list) else heading,
                      dtype=float)


def _heading_on_arrival(x, y, heading, time_s, runs, lookahead_m: float) -> np.ndarray:
    """The drive's heading when the vehicle reaches the point, not when the camera saw it.

    Damage is seen ``LOOKAHEAD_M`` ahead; at a turn, the camera's heading still points along the road the
    vehicle leaves. The delay is that distance over the drive's speed (from its points ±``SPEED_WINDOW_S``).
    """
    key = runs * (np.ptp(time_s) + 4 * (SPEED_WINDOW_S + 60.0)) + (time_s - time_s.min())
    lo = np.searchsorted(key, key - SPEED_WINDOW_S, side="left")
    hi = np.searchsorted(key, key + SPEED_WINDOW_S, side="right") - 1
    span = key[hi] - key[lo]
    speed = np.hypot(x[hi] - x[lo], y[hi] - y[lo]) / np.maximum(span, 1e-9)
    delay = np.where(span > 1.0, lookahead_m / np.maximum(speed, 2.0), 0.0)
    later = np.minimum(np.searchsorted(key, key + delay, side="left"), len(key) - 1)
    gap = key[later] - key
    usable = (delay > 0) & (runs[later] == runs) & (gap >= delay) & (gap <= delay + 2.0) & ~np.isnan(heading[later])
    return np.where(usable, heading[later], heading)


def _drives(x, y, time_s, drive) -> np.ndarray:
    """A drive number per (time-ordered) point: a new drive at a new label, a long pause or a jump."""
    if len(x) < 2:
        return np.zeros(len(x), dtype=np.int64)
    dt = np.diff(time_s)
    step = np.hypot(np.diff(x), np.diff(y))
    new = (np.diff(drive) != 0) | (dt > DRIVE_GAP_S) | (step > DRIVE_MAX_SPEED_M_S * np.maximum(dt, 1.0))
    return np.concatenate([[0], np.cumsum(new)])


def segment_bearing(coords) -> float:
    line = geo.line_to_metric(coords)
    (x1, y1), (x2, y2) = line.coords[0], line.coords[-1]
    return float(np.degrees(np.arctan2(x2 - x1, y2 - y1)) % 360.0)
