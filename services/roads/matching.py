"""Map matching: points to segments within a tolerance, helped by heading and by the drive they belong to.

Pure numpy over the segments' straight edges in metres (EPSG:25832), on a grid for candidate look-ups.
``Matcher.match`` takes each point alone: every segment within the tolerance is scored by distance, plus
a penalty when the road runs across the vehicle's heading (roads are matched in both directions).

``Matcher.match_drives`` uses what a point alone cannot tell. Points come from drives (a sequence in
time; a new drive at a pause, a jump, or a new vendor trip label), and two things follow:

- **The GPS bias.** GPS error is mostly a bias that wanders slowly (atmosphere, satellite geometry,
  multipath; correlation times of tens of seconds to minutes). A fix shows its error only across the
  road it lies beside; along the road, where it moves damage near a segment's end onto the next piece,
  it is invisible. A drive turns, though: across an east–west street its fixes show the north–south
  part of the bias, across a north–south street the east–west part. The bias is modelled as a
  first-order Gauss–Markov process per axis and estimated for every point from all of its drive's
  cross-road residuals (a Kalman filter forward, a Rauch–Tung–Striebel smoother backward, all drives
  at once), and subtracted. Where a drive goes straight for long, the along-road part stays unknown.
- **The route.** A vehicle drives along connected roads. The segments are a hidden Markov chain along
  the drive: each point's candidates cost their distance (a Gaussian's negative log-likelihood), each
  segment boundary crossed between consecutive points a fixed cost (segments meet where their end
  points coincide), and the Viterbi algorithm picks the cheapest sequence. A point that lies nearest
  to a cross street the drive never took stays on the drive's road, and a drive crosses to the next
  piece of a road once, not back and forth.

Damage is seen ahead of the camera (a camera model places it 5–30 m ahead), and its heading is the
camera's at the time of the image: just after a turn it still points along the road the vehicle left.
So for damage in a drive the route decides, not the heading; the heading counts for a point matched
alone, orders the damage seen in one image (further along the heading, further along the road), and
splits drives where two points of the same instant point different ways (two vehicles). For the
camera's own positions (captures, GPX tracks: ``ahead=False``) the heading is the road's and counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from services.roads import conf, geo

# Metres added to the distance of a road at right angles to the heading: at a crossing, the road
# the vehicle drives on wins over the cross street even when the GPS fix lies nearer to the latter.
HEADING_PENALTY_M = 8.0
# Drives: a pause longer than this, or a jump faster than this, starts a new drive.
DRIVE_GAP_S = 120.0
DRIVE_MAX_SPEED_M_S = 60.0
SAME_INSTANT_TURN_DEG = 45.0
# The GPS error the bias estimation assumes: a bias per axis with this RMS (m) and correlation time (s),
# and a white part from fix to fix (m RMS per axis). A phone's or dashboard unit's GNSS in a town: a few
# metres, correlated over tens of seconds to minutes (atmosphere, satellite geometry, multipath, the
# receiver's own filter).
BIAS_RMS_M = conf.GPS_BIAS_RMS_M
BIAS_CORRELATION_S = conf.GPS_BIAS_CORRELATION_S
WHITE_RMS_M = conf.GPS_WHITE_RMS_M
# Residuals further than this from the centreline are not used (likely the wrong road).
BIAS_GATE_M = 10.0
DEFAULT_WIDTH_M = 6.0
# Drives: candidate segments per point, the scatter of a point about its road once the bias is removed
# (m), and the cost of crossing a segment boundary from one point to the next (negative log-likelihood).
CANDIDATES = 4
MATCH_SCATTER_M = 4.0
HOP_COST = 3.0
# End points of segments closer than this are the same node of the network (m).
NODE_SNAP_M = 0.5
# Points this close to a segment's end tell nothing reliable about the bias across it (junctions).
END_MARGIN_M = 2.0


class Matcher:
    """The active segments as straight edges in metres, on a grid for candidate look-ups (pure numpy)."""

    def __init__(self, segment_ids, segment_coords, segment_widths=None):
        self.ids = np.asarray(list(segment_ids), dtype=np.int64)
        widths = np.array([np.nan] * len(self.ids) if segment_widths is None else list(segment_widths), dtype=float)
        # Carriageway width (m) where known, else a two-lane street's.
        self.widths = np.where(np.isnan(widths) | (widths <= 0), DEFAULT_WIDTH_M, widths)
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
            # The network: segments meet where their end points coincide.
            last = np.cumsum(counts) - 1
            first_vertex = last - counts + 1
            ends = np.column_stack([np.concatenate([np.asarray(x)[first_vertex], np.asarray(x)[last]]),
                                    np.concatenate([np.asarray(y)[first_vertex], np.asarray(y)[last]])])
            _keys, node = np.unique(np.round(ends / NODE_SNAP_M).astype(np.int64), axis=0, return_inverse=True)
            node = node.reshape(-1)
            self.node_a, self.node_b = node[: len(coords)], node[len(coords):]
            self._nodes = int(node.max()) + 1
            self._links = np.unique(np.concatenate([self.node_a * self._nodes + self.node_b,
                                                    self.node_b * self._nodes + self.node_a]))
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
                     ahead: bool = True):
        """Like ``match``, for points of drives: ``time_s`` (seconds, e.g. Unix time) orders them,
        ``drive`` (any integer label, optional) keeps different vehicles' drives apart.

        ``ahead``: the points lie ahead of the camera whose heading they carry (damage seen in an
        image, a camera-model distance of 5–30 m), so at a turn the heading is the road the vehicle
        leaves, not the one the damage lies on; the drive's sequence tells the road instead, and the
        heading counts only for a point without a drive around it. False: the points are the camera's
        own positions (captures, tracks), whose heading is the road's.
        """
        lon = np.asarray(lon, dtype=float)
        n = len(lon)
        if time_s is None or n == 0 or len(self.ids) == 0:
            return self.match(lon, lat, heading, tolerance_m)
        x, y = geo.to_metric(lon, np.asarray(lat, dtype=float))
        x, y = np.asarray(x), np.asarray(y)
        heading = _headings(heading, n)
        time_s = np.asarray(time_s, dtype=float)
        drive = np.zeros(n, dtype=np.int64) if drive is None else np.asarray(drive, dtype=np.int64)
        # Damage seen in the same image: the one further along the heading lies further along the road.
        known = ~np.isnan(heading)
        forward = np.where(known, x * np.sin(np.radians(np.where(known, heading, 0.0)))
                           + y * np.cos(np.radians(np.where(known, heading, 0.0))), 0.0)
        order = np.lexsort((forward, time_s, drive))
        x, y, heading, time_s, drive = x[order], y[order], heading[order], time_s[order], drive[order]
        runs = _drives(x, y, time_s, drive, heading)
        # The damage of a single image is no drive: no order among its points, each is matched alone.
        instant = np.concatenate([[True], (runs[1:] != runs[:-1]) | (time_s[1:] != time_s[:-1])])
        single = np.bincount(runs, weights=instant)[runs] == 1
        runs = np.cumsum(np.concatenate([[True], runs[1:] != runs[:-1]]) | single) - 1
        if ahead:
            alone = np.bincount(runs)[runs] == 1
            heading = np.where(alone, heading, np.nan)
        # Residuals from the road each point alone is nearest: the bias, then the drive's likeliest roads.
        nearest = self.candidates(x, y, heading, tolerance_m)[3][:, 0]
        bx, by = self._bias(self._found(x, y, nearest), time_s, runs, BIAS_GATE_M)
        index, distance = self._viterbi(self.candidates(x - bx, y - by, heading, tolerance_m), runs)
        out_index = np.empty(n, dtype=np.int64)
        out_distance = np.empty(n)
        out_index[order] = index
        out_distance[order] = distance
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
        found = Found.empty(len(x))
        found.x, found.y = x, y
        point, edge, t, distance = self._near_edges(x, y, tolerance_m)
        if len(point) == 0:
            return found
        qx, qy = self.ax[edge] + t * self.ux[edge], self.ay[edge] + t * self.uy[edge]
        cost = distance + self._heading_penalty(heading[point], edge)
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
        """Per point, the GPS bias (east, north) estimated from the whole drive's cross-road residuals.

        The bias is a first-order Gauss–Markov process per axis (RMS ``BIAS_RMS_M``, correlation time
        ``BIAS_CORRELATION_S``); each usable point measures it across its road (the residual, with the
        scatter of the damage's place across the carriageway and the white part of the GPS error). A Kalman
        filter forward and a Rauch–Tung–Striebel smoother backward give every point the estimate from all
        of its drive, weighted by how far apart in time. All drives at once: one step per point of the
        longest drive, numpy over the drives.
        """
        n = len(found.index)
        ok = found.index >= 0
        ex, ey = -found.uy, found.ux  # unit normal, left of the digitised direction
        residual = (found.x - found.qx) * ex + (found.y - found.qy) * ey
        segment = np.maximum(found.index, 0)
        length = self.lengths[segment]
        use = ok & (np.abs(residual) < gate_m) & (found.along > END_MARGIN_M) & (found.along < length - END_MARGIN_M)
        # Scatter of one residual: uniform across the carriageway (width²/12) plus the white GPS error.
        scatter = np.where(use, self.widths[segment] ** 2 / 12.0 + WHITE_RMS_M ** 2, np.inf)
        start = np.flatnonzero(np.concatenate([[True], runs[1:] != runs[:-1]]))
        size = np.diff(np.concatenate([start, [n]]))
        step = np.arange(n) - np.repeat(start, size)
        rows, cols = len(start), int(size.max())
        run_of = np.repeat(np.arange(rows), size)

        def grid(values, fill):
            out = np.full((cols, rows), fill, dtype=float)
            out[step, run_of] = values
            return out

        gap = grid(np.concatenate([[0.0], np.diff(time_s)]), 0.0)
        gap[0] = 0.0
        phi = np.exp(-np.maximum(gap, 0.0) / BIAS_CORRELATION_S)
        q = BIAS_RMS_M ** 2 * (1 - phi * phi)
        gx, gy = grid(np.where(use, ex, 0.0), 0.0), grid(np.where(use, ey, 0.0), 0.0)
        gd, gr = grid(np.where(use, residual, 0.0), 0.0), grid(scatter, np.inf)
        # Forward: predicted (before the point's residual) and filtered means and covariances (p11, p12, p22).
        mean_p, mean_f = np.empty((cols, 2, rows)), np.empty((cols, 2, rows))
        cov_p, cov_f = np.empty((cols, 3, rows)), np.empty((cols, 3, rows))
        mx, my = np.zeros(rows), np.zeros(rows)
        p11, p12, p22 = np.full(rows, BIAS_RMS_M ** 2), np.zeros(rows), np.full(rows, BIAS_RMS_M ** 2)
        for k in range(cols):
            f, extra = phi[k], q[k]
            mx, my = f * mx, f * my
            p11, p12, p22 = f * f * p11 + extra, f * f * p12, f * f * p22 + extra
            mean_p[k, 0], mean_p[k, 1], cov_p[k, 0], cov_p[k, 1], cov_p[k, 2] = mx, my, p11, p12, p22
            nx, ny = gx[k], gy[k]
            px, py = p11 * nx + p12 * ny, p12 * nx + p22 * ny  # P n
            gain = 1.0 / (nx * px + ny * py + gr[k])  # 0 where the point is not used (infinite scatter)
            innovation = gd[k] - (nx * mx + ny * my)
            mx, my = mx + px * gain * innovation, my + py * gain * innovation
            p11, p12, p22 = p11 - px * px * gain, p12 - px * py * gain, p22 - py * py * gain
            mean_f[k, 0], mean_f[k, 1], cov_f[k, 0], cov_f[k, 1], cov_f[k, 2] = mx, my, p11, p12, p22
        # Backward: x_s(k) = x_f(k) + P_f(k) φ(k+1) P_p(k+1)⁻¹ (x_s(k+1) − x_p(k+1)).
        sx, sy = mx, my
        out = np.empty((cols, 2, rows))
        out[cols - 1, 0], out[cols - 1, 1] = sx, sy
        for k in range(cols - 2, -1, -1):
            a11, a12, a22 = cov_p[k + 1]
            det = a11 * a22 - a12 * a12
            dx, dy = sx - mean_p[k + 1, 0], sy - mean_p[k + 1, 1]
            vx, vy = (a22 * dx - a12 * dy) / det, (a11 * dy - a12 * dx) / det  # P_p⁻¹ d
            f11, f12, f22 = cov_f[k]
            sx = mean_f[k, 0] + phi[k + 1] * (f11 * vx + f12 * vy)
            sy = mean_f[k, 1] + phi[k + 1] * (f12 * vx + f22 * vy)
            out[k, 0], out[k, 1] = sx, sy
        return out[step, 0, run_of], out[step, 1, run_of]

    def candidates(self, x, y, heading, tolerance_m: float, k: int = CANDIDATES):
        """Up to ``k`` segments per point within the tolerance, cheapest first: index (-1: none), cost in
        metres (distance plus heading penalty; inf: none), distance and the segment's nearest edge."""
        n = len(x)
        segment = np.full((n, k), -1, dtype=np.int64)
        cost = np.full((n, k), np.inf)
        distance = np.full((n, k), np.nan)
        nearest = np.full((n, k), -1, dtype=np.int64)
        point, edge, _, gap = self._near_edges(x, y, tolerance_m)
        if len(point) == 0:
            return segment, cost, distance, nearest
        price = gap + self._heading_penalty(heading[point], edge)
        owner = self.edge_segment[edge]
        # The pairs come by point and, within a point, by edge (so by segment): the cheapest edge of each
        # (point, segment) without sorting, then the k cheapest segments of each point.
        new = np.concatenate([[True], (point[1:] != point[:-1]) | (owner[1:] != owner[:-1])])
        head, group = np.flatnonzero(new), np.cumsum(new) - 1
        lowest = np.minimum.reduceat(price, head)
        cheapest = np.flatnonzero(price == lowest[group])
        keep = cheapest[np.concatenate([[True], group[cheapest][1:] != group[cheapest][:-1]])]
        keep = keep[np.argsort(point[keep] * (tolerance_m + HEADING_PENALTY_M + 1.0) + price[keep], kind="stable")]
        where = point[keep]
        rank = np.arange(len(keep)) - np.searchsorted(where, where, side="left")
        take = rank < k
        keep, where, rank = keep[take], where[take], rank[take]
        segment[where, rank], cost[where, rank], distance[where, rank] = owner[keep], price[keep], gap[keep]
        nearest[where, rank] = edge[keep]
        return segment, cost, distance, nearest

    def _found(self, x, y, edge) -> Found:
        """Each point's nearest point on the given edge (-1: none), its direction and position along the segment."""
        found = Found.empty(len(x))
        found.x, found.y = x, y
        where = np.flatnonzero(edge >= 0)
        edge = edge[where]
        ax, ay, ux, uy = self.ax[edge], self.ay[edge], self.ux[edge], self.uy[edge]
        t = np.clip((x[where] - ax) * ux + (y[where] - ay) * uy, 0.0, self.edge_length[edge])
        found.qx[where], found.qy[where] = ax + t * ux, ay + t * uy
        found.index[where] = self.edge_segment[edge]
        found.distance[where] = np.hypot(x[where] - found.qx[where], y[where] - found.qy[where])
        found.along[where] = self.edge_start[edge] + t
        found.ux[where], found.uy[where] = ux, uy
        return found

    def _near_edges(self, x, y, tolerance_m: float):
        """Every (point, edge) pair within the tolerance, ordered by point and edge: the point's index, the
        edge's, the position of the edge's nearest point along the edge, and the distance to it."""
        size, keys, edges = self._grid(tolerance_m)
        cell = _cell_key(np.floor(x / size).astype(np.int64), np.floor(y / size).astype(np.int64))
        lo, hi = np.searchsorted(keys, cell, side="left"), np.searchsorted(keys, cell, side="right")
        count = hi - lo
        point = np.repeat(np.arange(len(x)), count)
        edge = edges[np.arange(len(point)) - np.repeat(np.cumsum(count) - count, count) + np.repeat(lo, count)]
        ax, ay, ux, uy = self.ax[edge], self.ay[edge], self.ux[edge], self.uy[edge]
        t = np.clip((x[point] - ax) * ux + (y[point] - ay) * uy, 0.0, self.edge_length[edge])
        gap = np.hypot(x[point] - ax - t * ux, y[point] - ay - t * uy)
        near = gap <= tolerance_m
        return point[near], edge[near], t[near], gap[near]

    def _heading_penalty(self, along, edge):
        penalty = np.zeros(len(edge))
        known = ~np.isnan(along)
        if known.any():
            # Angle between the heading and the road, either direction: 0 (along) .. 90 (across).
            bearing = np.degrees(np.arctan2(self.ux[edge[known]], self.uy[edge[known]]))
            diff = np.abs((along[known] - bearing + 90.0) % 180.0 - 90.0)
            penalty[known] = HEADING_PENALTY_M * np.sin(np.radians(diff))
        return penalty

    def hops(self, a, b):
        """Segments between two segments on the network: 0 the same, 1 meeting, 2 one segment between,
        3 further apart."""
        na, nb, ma, mb = self.node_a[a], self.node_b[a], self.node_a[b], self.node_b[b]
        meet = (na == ma) | (na == mb) | (nb == ma) | (nb == mb)
        linked = np.zeros(len(a), dtype=bool)
        for u in (na, nb):
            for v in (ma, mb):
                keys = u * self._nodes + v
                at = np.minimum(np.searchsorted(self._links, keys), len(self._links) - 1)
                linked |= self._links[at] == keys
        return np.where(a == b, 0, np.where(meet, 1, np.where(linked, 2, 3)))

    def _viterbi(self, candidates, runs):
        """The likeliest sequence of segments along each drive (hidden Markov model, Viterbi).

        A point's cost for a candidate is its distance plus the heading penalty, in units of
        ``MATCH_SCATTER_M`` squared and halved (a Gaussian's negative log-likelihood); moving from one
        point to the next costs ``HOP_COST`` per segment boundary crossed on the network (the same
        segment is free, one further apart than two segments costs as much as three). So a point that
        lies nearest a cross street the drive never took stays on the drive's road, and a drive crosses
        to the next piece of a road once, not back and forth. All drives at once, one step per point of
        the longest drive.
        """
        segment, cost, distance, _edge = candidates
        n, k = segment.shape
        emission = 0.5 * (cost / MATCH_SCATTER_M) ** 2
        none = segment[:, 0] < 0
        emission[none, 0] = 0.0  # no candidate: the drive's chain is broken there
        same_run = np.concatenate([[False], runs[1:] == runs[:-1]])
        prev, cur = np.repeat(segment[:-1], k, axis=1), np.tile(segment[1:], (1, k))  # (n-1, k*k): [from, to]
        valid = (prev >= 0) & (cur >= 0)
        hops = np.zeros(prev.shape)
        hops[valid] = self.hops(prev[valid], cur[valid])
        steps = HOP_COST * hops
        steps[~valid] = 0.0
        steps[~same_run[1:]] = 0.0
        transition = np.concatenate([np.zeros((1, k * k)), steps]).reshape(n, k, k)
        start = np.flatnonzero(np.concatenate([[True], ~same_run[1:]]))
        size = np.diff(np.concatenate([start, [n]]))
        # Drives longest first: those still going at a step are a prefix.
        by_size = np.argsort(-size, kind="stable")
        start, size = start[by_size], size[by_size]
        going = np.searchsorted(-size, -np.arange(int(size.max())), side="left")
        score = emission[start].copy()
        back = np.zeros((n, k), dtype=np.int64)
        for step in range(1, len(going)):
            m = going[step]
            at = start[:m] + step
            total = score[:m, :, None] + transition[at]
            best = total.argmin(axis=1)
            back[at] = best
            score[:m] = total.min(axis=1) + emission[at]
        choice = np.empty(n, dtype=np.int64)
        choice[start + size - 1] = score.argmin(axis=1)
        for step in range(len(going) - 1, 0, -1):
            at = start[: going[step]] + step
            choice[at - 1] = back[at, choice[at]]
        rows = np.arange(n)
        return segment[rows, choice], distance[rows, choice]


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


def _drives(x, y, time_s, drive, heading=None) -> np.ndarray:
    """A drive number per (time-ordered) point: a new drive at a new label, a long pause, a jump, or
    headings that differ at the same instant (one image, one heading: two vehicles)."""
    if len(x) < 2:
        return np.zeros(len(x), dtype=np.int64)
    dt = np.diff(time_s)
    step = np.hypot(np.diff(x), np.diff(y))
    new = (np.diff(drive) != 0) | (dt > DRIVE_GAP_S) | (step > DRIVE_MAX_SPEED_M_S * np.maximum(dt, 1.0))
    if heading is not None:
        turn = np.abs((np.diff(heading) + 180.0) % 360.0 - 180.0)  # nan where a heading is unknown
        new |= (dt == 0) & (turn > SAME_INSTANT_TURN_DEG)
    return np.concatenate([[0], np.cumsum(new)])


def segment_bearing(coords) -> float:
    line = geo.line_to_metric(coords)
    (x1, y1), (x2, y2) = line.coords[0], line.coords[-1]
    return float(np.degrees(np.arctan2(x2 - x1, y2 - y1)) % 360.0)
