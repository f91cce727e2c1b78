"""Simulated survey drives over a road network, producing damage detections the way a vehicle does.

Nothing here knows a particular town: it takes the segments as lines in metres (EPSG:25832).

- **Network graph**: segments meet where their end points coincide (0.5 m grid).
- **Damage** lies on the road: per segment a Poisson number (mean ``damage_per_50m`` per 50 m, times a
  gamma-distributed factor so that some roads are poor and most are good), uniform along the segment
  and across its width.
- **Drives**: a vehicle starts on a random segment and turns at random at every junction (no U-turns
  except at dead ends) for 3–8 km at 20–50 km/h; drives are 10 minutes apart.
- **Images** every 4 m; a damage is reported once per pass, from the image 6–10 m before it (what a
  windscreen camera sees best), with the damage's position as the camera model places it: the camera's
  GPS position plus the offset to the damage, with a 10 % range error.
- **GPS** at 1 Hz, linearly interpolated to the images: a bias that wanders (first-order Gauss–Markov,
  correlation time ``gps_tau_s``) plus white noise from fix to fix; ``white_share`` of the variance is
  white. ``noise_m`` is the total horizontal RMS error. Heading: the course over ground ± 3°.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

IMAGE_SPACING_M = 4.0


@dataclass
class Drives:
    truth: np.ndarray  # segment position (index into the lines) the damage lies on
    x: np.ndarray
    y: np.ndarray
    heading: np.ndarray
    time_s: np.ndarray
    damage: np.ndarray  # index of the damage (the same damage seen on several passes)
    true_x: np.ndarray
    true_y: np.ndarray
    km_driven: float


def graph(lines):
    """For each segment its two node numbers; for each node the segments that meet there."""
    starts = shapely.get_coordinates(shapely.get_point(lines, 0))
    ends = shapely.get_coordinates(shapely.get_point(lines, -1))
    keys = np.round(np.vstack([starts, ends]) * 2).astype(np.int64)
    _unique, node = np.unique(keys, axis=0, return_inverse=True)
    node = node.reshape(-1)
    n = len(lines)
    a, b = node[:n], node[n:]
    meets: dict[int, list[int]] = {}
    for segment in range(n):
        meets.setdefault(int(a[segment]), []).append(segment)
        meets.setdefault(int(b[segment]), []).append(segment)
    return a, b, meets


def simulate(lines, widths, count: int, *, noise_m: float, gps_tau_s: float = 60.0, white_share: float = 0.1,
             damage_per_50m: float = 10.0, seed: int = 7) -> Drives:
    rng = np.random.default_rng(seed)
    lengths = shapely.length(lines)
    coords = [shapely.get_coordinates(line) for line in lines]
    a, b, meets = graph(lines)
    rate = damage_per_50m * lengths / 50.0 * rng.gamma(0.7, 1 / 0.7, len(lines))
    damages_on = [np.sort(rng.random(k) * length) for k, length in zip(rng.poisson(rate), lengths, strict=True)]
    damage_base = np.concatenate([[0], np.cumsum([len(d) for d in damages_on])])
    lateral_on = [(rng.random(len(d)) - 0.5) * w for d, w in zip(damages_on, widths, strict=True)]
    sigma_white = noise_m * math.sqrt(white_share / 2)
    sigma_bias = noise_m * math.sqrt((1 - white_share) / 2)
    out: dict[str, list] = {k: [] for k in ("truth", "x", "y", "heading", "time_s", "damage", "true_x", "true_y")}
    total, clock, km = 0, 0.0, 0.0
    while total < count:
        route_x, route_y, seen = _route(rng, coords, lengths, a, b, meets, damages_on, lateral_on, damage_base)
        route = np.concatenate([[0], np.cumsum(np.hypot(np.diff(route_x), np.diff(route_y)))])
        speed = rng.uniform(20, 50) / 3.6
        duration = route[-1] / speed
        km += route[-1] / 1000
        if seen["along"].size:
            camera_at = np.maximum(seen["along"] - rng.uniform(6, 10, seen["along"].size), 0)
            camera_at = np.floor(camera_at / IMAGE_SPACING_M) * IMAGE_SPACING_M  # the image taken there
            cx, cy = np.interp(camera_at, route, route_x), np.interp(camera_at, route, route_y)
            ahead_x, ahead_y = np.interp(camera_at + 1, route, route_x), np.interp(camera_at + 1, route, route_y)
            course = np.degrees(np.arctan2(ahead_x - cx, ahead_y - cy)) % 360
            t = camera_at / speed
            fixes = np.arange(0, duration + 2.0)
            ex, ey = (_gps_error(rng, len(fixes), gps_tau_s, sigma_bias, sigma_white) for _axis in range(2))
            error_x, error_y = np.interp(t, fixes, ex), np.interp(t, fixes, ey)
            range_error = 1 + rng.normal(0, 0.1, t.size)
            out["x"].append(cx + error_x + (seen["x"] - cx) * range_error)
            out["y"].append(cy + error_y + (seen["y"] - cy) * range_error)
            out["heading"].append((course + rng.normal(0, 3, t.size)) % 360)
            out["time_s"].append(clock + t)
            out["truth"].append(seen["segment"])
            out["damage"].append(seen["damage"])
            out["true_x"].append(seen["x"])
            out["true_y"].append(seen["y"])
            total += t.size
        clock += duration + 600
    result = {k: np.concatenate(v)[:count] for k, v in out.items()}
    return Drives(km_driven=km, **result)


def _gps_error(rng, n: int, tau_s: float, sigma_bias: float, sigma_white: float) -> np.ndarray:
    phi = math.exp(-1.0 / tau_s)
    shocks = rng.normal(0, sigma_bias * math.sqrt(1 - phi * phi), n)
    bias = np.empty(n)
    bias[0] = rng.normal(0, sigma_bias)
    for i in range(1, n):
        bias[i] = phi * bias[i - 1] + shocks[i]
    return bias + rng.normal(0, sigma_white, n)


def _route(rng, coords, lengths, a, b, meets, damages_on, lateral_on, damage_base):
    """One drive: the route's points and the damage passed (position along the route, x, y, segment)."""
    target = rng.uniform(3000, 8000)
    segment = int(rng.integers(len(coords)))
    forward = bool(rng.integers(2))
    xs, ys = [], []
    seen = {"along": [], "x": [], "y": [], "segment": [], "damage": []}
    travelled = 0.0
    while travelled < target:
        line = coords[segment] if forward else coords[segment][::-1]
        length = lengths[segment]
        along = damages_on[segment] if forward else length - damages_on[segment][::-1]
        lateral = lateral_on[segment] if forward else -lateral_on[segment][::-1]
        if along.size:
            # Damage positions on the ground: along the line, then sideways by its lateral offset.
            shapely_line = shapely.LineString(line)
            on = shapely.line_interpolate_point(shapely_line, along)
            nxt = shapely.line_interpolate_point(shapely_line, np.minimum(along + 0.5, length))
            prv = shapely.line_interpolate_point(shapely_line, np.maximum(along - 0.5, 0))
            dx, dy = shapely.get_x(nxt) - shapely.get_x(prv), shapely.get_y(nxt) - shapely.get_y(prv)
            norm = np.maximum(np.hypot(dx, dy), 1e-9)
            seen["along"].append(travelled + along)
            seen["x"].append(shapely.get_x(on) + dy / norm * lateral)
            seen["y"].append(shapely.get_y(on) - dx / norm * lateral)
            seen["segment"].append(np.full(along.size, segment))
            index = np.arange(along.size) if forward else np.arange(along.size)[::-1]
            seen["damage"].append(damage_base[segment] + index)
        start = 1 if xs else 0
        xs.extend(line[start:, 0])
        ys.extend(line[start:, 1])
        travelled += length
        node = b[segment] if forward else a[segment]
        options = [s for s in meets[int(node)] if s != segment]
        if options:
            segment = options[int(rng.integers(len(options)))]
            forward = bool(a[segment] == node)
        else:
            forward = not forward  # a dead end: turn round
    joined = {k: np.concatenate(v) if v else np.array([]) for k, v in seen.items()}
    return np.asarray(xs), np.asarray(ys), joined
