"""Budget scenarios: the optimiser's plan for an annual budget over several years, kept for comparison."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit.log import actor_name, log_action
from services.roads import planning
from services.roads.models import RoadsSettings, Scenario, Segment


class ScenarioError(ValueError):
    pass


def unit_costs() -> dict[str, float]:
    s = RoadsSettings.current()
    return {"crack_sealing": float(s.crack_sealing_eur_m2), "patching": float(s.patching_eur_m2),
            "surface_renewal": float(s.surface_renewal_eur_m2)}


def compute_scenario(*, name: str, annual_budget: Decimal, years: int, actor, town) -> Scenario:
    if annual_budget <= 0:
        raise ScenarioError(_("The annual budget must be greater than zero."))
    if not 1 <= years <= 10:
        raise ScenarioError(_("Plan between 1 and 10 years."))
    segments = list(Segment.objects.filter(active=True, grade__isnull=False)
                    .values("id", "name", "highway", "length_m", "width_m", "grade"))
    if not segments:
        raise ScenarioError(_("No graded segments yet: import the network and detections, then grade."))
    result = planning.plan(segments, unit_costs(), float(annual_budget), years)
    with transaction.atomic():
        scenario = Scenario.objects.create(name=name[:200] or _("Scenario"), annual_budget_eur=annual_budget,
                                           years=years, result=result, created_by=actor_name(actor))
        log_action("roads.scenario.computed", actor=actor, town=town, scenario=scenario.pk,
                   annual_budget=str(annual_budget), years=years, measures=len(result["measures"]))
    return scenario


def update_unit_costs(*, crack_sealing, patching, surface_renewal, hazard_due_days=None, actor, town):
    with transaction.atomic():
        s = RoadsSettings.current()
        s.crack_sealing_eur_m2, s.patching_eur_m2, s.surface_renewal_eur_m2 = crack_sealing, patching, surface_renewal
        if hazard_due_days is not None:
            s.hazard_due_days = hazard_due_days
        s.save()
        log_action("roads.settings.changed", actor=actor, town=town, crack_sealing=str(crack_sealing),
                   patching=str(patching), surface_renewal=str(surface_renewal), by=actor_name(actor))
    return s
