"""Repair priorities and budget scenarios.

Priorities: grade above the target value, weighted by road class and length.
Scenarios: a mixed-integer programme (scipy's HiGHS MILP) picks at most one measure per segment
over the planning years so that the length- and class-weighted grade improvement summed over the
years is largest, within the annual budget. Without measures, grades worsen by a yearly rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.roads.grading import TARGET_VALUE, WARNING_VALUE

CLASS_WEIGHT = {"primary": 3.0, "primary_link": 2.5, "secondary": 2.5, "secondary_link": 2.0, "tertiary": 2.0,
                "tertiary_link": 1.8, "unclassified": 1.5, "residential": 1.2, "living_street": 1.0}
# Yearly worsening of a grade without maintenance (E EMI 2012 uses 0.1–0.2 for asphalt in towns).
DETERIORATION_PER_YEAR = 0.15


@dataclass(frozen=True)
class Measure:
    key: str
    share_of_area: float  # part of the segment's surface the measure treats
    applies_from: float  # grade range where the measure makes sense
    applies_to: float

    def effect(self, grade: np.ndarray) -> np.ndarray:
        if self.key == "crack_sealing":
            return np.maximum(1.0, grade - 0.7)
        if self.key == "patching":
            return np.maximum(1.3, grade - 1.6)
        return np.full_like(grade, 1.0)  # surface renewal


MEASURES = (Measure("crack_sealing", 0.25, 1.5, 3.2), Measure("patching", 0.35, 2.0, 4.2),
            Measure("surface_renewal", 1.0, 3.0, 5.01))


def priority_score(grade: float | None, highway: str, length_m: float) -> float:
    if grade is None or grade < TARGET_VALUE:
        return 0.0
    return round((grade - 1.0) ** 2 * CLASS_WEIGHT.get(highway, 1.0) * length_m / 100, 3)


def ranked(segments) -> list[dict]:
    """Segments (dicts with id, name, highway, length_m, grade) by priority, highest first."""
    rows = [dict(s, priority=priority_score(s["grade"], s["highway"], s["length_m"])) for s in segments]
    return sorted((r for r in rows if r["priority"] > 0), key=lambda r: (-r["priority"], r["id"]))


def plan(segments, unit_costs: dict[str, float], annual_budget: float, years: int,
         rate: float = DETERIORATION_PER_YEAR, time_limit: float = 30.0) -> dict:
    """``segments``: dicts with id, name, highway, length_m, width_m, grade. Returns the plan and figures."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    segments = [s for s in segments if s["grade"] is not None]
    n = len(segments)
    years = int(years)
    if n == 0 or years < 1:
        return {"measures": [], "years": [], "status": "nothing to plan"}
    grade0 = np.array([s["grade"] for s in segments], dtype=float)
    length = np.array([s["length_m"] for s in segments], dtype=float)
    area = length * np.array([s["width_m"] or 5.0 for s in segments], dtype=float)
    weight = length * np.array([CLASS_WEIGHT.get(s["highway"], 1.0) for s in segments])
    t = np.arange(years + 1)  # 0 = now; measures happen at the start of year 1..years
    without = np.minimum(5.0, grade0[:, None] + rate * t[None, :])  # [n, years+1]

    columns = []  # (segment index, measure, year, cost, benefit)
    for m in MEASURES:
        cost = area * m.share_of_area * unit_costs[m.key]
        for year in range(1, years + 1):
            before = without[:, year - 1]
            ok = (before >= m.applies_from) & (before < m.applies_to)
            after = m.effect(before)
            later = np.minimum(5.0, after[:, None] + rate * (t[None, year:] - year + 1) - rate)
            gain = (without[:, year:] - later).clip(min=0).sum(axis=1) * weight
            for i in np.flatnonzero(ok & (gain > 0)):
                columns.append((i, m.key, year, float(cost[i]), float(gain[i])))
    if not columns:
        return _summary(segments, without, without, [], years, annual_budget, "nothing to do")
    k = len(columns)
    seg_idx = np.array([c[0] for c in columns])
    year_idx = np.array([c[2] for c in columns]) - 1
    cost = np.array([c[3] for c in columns])
    gain = np.array([c[4] for c in columns])
    rows = np.concatenate([year_idx, years + seg_idx])
    cols = np.concatenate([np.arange(k), np.arange(k)])
    vals = np.concatenate([cost, np.ones(k)])
    matrix = coo_matrix((vals, (rows, cols)), shape=(years + n, k)).tocsr()
    upper = np.concatenate([np.full(years, float(annual_budget)), np.ones(n)])
    result = milp(c=-gain, constraints=LinearConstraint(matrix, -np.inf, upper), integrality=np.ones(k),
                  bounds=Bounds(0, 1), options={"time_limit": time_limit, "mip_rel_gap": 1e-3})
    if result.x is None:
        return _summary(segments, without, without, [], years, annual_budget, result.message)
    chosen = [columns[j] for j in np.flatnonzero(result.x > 0.5)]
    with_plan = without.copy()
    measures = []
    for i, key, year, c, _gain in chosen:
        m = next(x for x in MEASURES if x.key == key)
        after = float(m.effect(np.array([without[i, year - 1]]))[0])
        with_plan[i, year:] = np.minimum(5.0, after + rate * (t[year:] - year))
        measures.append({"segment": segments[i]["id"], "name": segments[i]["name"], "highway": segments[i]["highway"],
                         "measure": key, "year": year, "cost": round(c, 2),
                         "grade_before": round(float(without[i, year - 1]), 2), "grade_after": round(after, 2)})
    measures.sort(key=lambda x: (x["year"], -x["cost"]))
    return _summary(segments, without, with_plan, measures, years, annual_budget, "optimal" if result.success
                    else str(result.message))


def _summary(segments, without, with_plan, measures, years, annual_budget, status) -> dict:
    length = np.array([s["length_m"] for s in segments], dtype=float)

    def mean(g):
        return round(float((g * length).sum() / length.sum()), 3)

    def backlog(g):
        return round(float(length[g >= WARNING_VALUE].sum()) / 1000, 3)

    per_year = []
    for year in range(0, years + 1):
        spent = sum(m["cost"] for m in measures if m["year"] == year)
        per_year.append({"year": year, "spent": round(spent, 2),
                         "mean_grade_without": mean(without[:, year]), "mean_grade_with": mean(with_plan[:, year]),
                         "backlog_km_without": backlog(without[:, year]), "backlog_km_with": backlog(with_plan[:, year])})
    return {"status": status, "annual_budget": float(annual_budget), "years": per_year, "measures": measures,
            "total_cost": round(sum(m["cost"] for m in measures), 2)}
