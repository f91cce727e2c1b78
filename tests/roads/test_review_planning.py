"""Human in the loop (confirm, correct, reject, logged), hazards to work orders, priorities, budget scenarios."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from core.audit.models import AuditEntry
from services.roads import planning
from services.roads.actions.grading import grade_town
from services.roads.actions.review import DecisionError, close_work_order, decide
from services.roads.actions.scenarios import ScenarioError, compute_scenario
from services.roads.models import Decision, Detection, Segment, WorkOrder

from .test_detections_grading import row, vendor_csv


@pytest.fixture
def detections(town_network, tmp_path):
    rows = [row("loch", -180, 1, "D40", 0.9), row("riss", -120, -1, "D00", 0.7), row("netz", 60, 2, "D20", 0.6),
            row("gasse", 1, 80, "D40", 0.8)]
    call_command("roads_import_detections", "--town", town_network.ags, str(vendor_csv(tmp_path, rows)))
    call_command("roads_grade", "--town", town_network.ags)
    return town_network


def test_decisions_keep_the_suggestion_and_log_who_decided(detections):
    town = detections
    with schema_context(town.schema_name):
        riss = Detection.objects.get(external_id="riss")
        decide(riss, "correct", damage_class="D10", actor="staff-a", town=town, note="quer, nicht längs")
        riss.refresh_from_db()
        assert (riss.suggested_class, riss.damage_class, riss.status) == ("D00", "D10", "confirmed")
        assert riss.confidence == 0.7  # the model's figure stays beside the decision
        netz = Detection.objects.get(external_id="netz")
        decide(netz, "reject", actor="staff-b", town=town)
        log = list(Decision.objects.values_list("detection__external_id", "action", "from_class", "to_class",
                                                 "to_status", "actor"))
        assert log == [("riss", "correct", "D00", "D10", "confirmed", "staff-a"),
                       ("netz", "reject", "D20", "D20", "rejected", "staff-b")]
        assert AuditEntry.objects.filter(action="roads.detection.corrected", town=town).exists()
        assert AuditEntry.objects.filter(action="roads.detection.rejected", town=town).exists()
        with pytest.raises(DecisionError):
            decide(netz, "correct", actor="x", town=town)
        # A rejected damage no longer counts towards the grade.
        segment = netz.segment
        before = segment.grade
        grade_town(actor="pytest", town=town)
        segment.refresh_from_db()
        assert segment.grade < before


def test_confirmed_pothole_on_a_main_road_becomes_a_work_order(detections):
    town = detections
    with schema_context(town.schema_name):
        decide(Detection.objects.get(external_id="gasse"), "confirm", actor="staff", town=town)
        assert not WorkOrder.objects.exists()  # a pothole in a residential street: no automatic order
        decide(Detection.objects.get(external_id="loch"), "confirm", actor="staff", town=town)
        order = WorkOrder.objects.get()
        assert order.detection.external_id == "loch" and "Hauptstraße" in order.title
        assert order.status == "open" and order.due_on > order.created_at.date()
        # confirming again does not open a second order
        decide(Detection.objects.get(external_id="loch"), "confirm", actor="staff", town=town)
        assert WorkOrder.objects.count() == 1
        with pytest.raises(DecisionError):
            close_work_order(order, repair_note=" ", actor="bauhof", town=town)
        close_work_order(order, repair_note="Kaltasphalt eingebaut", actor="bauhof", town=town)
        order.refresh_from_db()
        assert order.status == "closed" and order.closed_by == "bauhof"
        assert AuditEntry.objects.filter(action="roads.workorder.closed", town=town).exists()


def _segments(grades):
    return [{"id": i, "name": f"S{i}", "highway": hw, "length_m": 50.0, "width_m": 6.0, "grade": g}
            for i, (hw, g) in enumerate(grades, start=1)]


def test_priorities_rank_grade_class_and_length():
    ranked = planning.ranked(_segments([("residential", 4.0), ("primary", 4.0), ("primary", 1.2),
                                        ("tertiary", 2.5)]))
    assert [r["id"] for r in ranked] == [2, 1, 4]


def test_budget_plan_spends_within_budget_and_improves_the_network():
    segments = _segments([("primary", 4.6), ("residential", 3.8), ("tertiary", 2.4), ("residential", 1.8),
                          ("secondary", 3.2)] * 4)
    costs = {"crack_sealing": 12.0, "patching": 45.0, "surface_renewal": 95.0}
    result = planning.plan(segments, costs, annual_budget=40_000, years=3)
    assert result["status"] == "optimal"
    for year in result["years"][1:]:
        assert year["spent"] <= 40_000 + 0.01
        assert year["mean_grade_with"] <= year["mean_grade_without"]
    assert result["years"][-1]["backlog_km_with"] < result["years"][-1]["backlog_km_without"]
    assert len({m["segment"] for m in result["measures"]}) == len(result["measures"])
    # Twice the money buys at least as much improvement.
    richer = planning.plan(segments, costs, annual_budget=80_000, years=3)
    assert richer["years"][-1]["mean_grade_with"] <= result["years"][-1]["mean_grade_with"]


def test_scenario_is_stored_for_the_town(detections):
    town = detections
    with schema_context(town.schema_name):
        scenario = compute_scenario(name="5 Jahre, 50 T€", annual_budget=Decimal("50000"), years=5, actor="kämmerei",
                                    town=town)
        assert scenario.result["years"][0]["year"] == 0 and len(scenario.result["years"]) == 6
        with pytest.raises(ScenarioError):
            compute_scenario(name="x", annual_budget=Decimal("0"), years=5, actor="x", town=town)
        Segment.objects.update(grade=None)
        with pytest.raises(ScenarioError, match="No graded segments"):
            compute_scenario(name="x", annual_budget=Decimal("1000"), years=2, actor="x", town=town)
