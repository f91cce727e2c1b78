"""Demo participation project: contributions written for the demo (``demo_contributions.csv``, no
third-party text), imported and analysed once. Running the demo again changes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

FILE = Path(__file__).with_name("demo_contributions.csv")
SLUG = "mobilitaet-2026"


def seed(town) -> dict:
    """Runs in the town's schema (the demo's service-seed loop sets it)."""
    from services.feedback import formats
    from services.feedback.actions.analysis import request_analysis, run_analysis
    from services.feedback.actions.importing import import_contributions
    from services.feedback.actions.projects import save_project
    from services.feedback.models import AnalysisRun, Project

    project = Project.objects.filter(slug=SLUG).first() or save_project(
        {"slug": SLUG, "title": "Mobilität und Aufenthaltsqualität 2026",
         "description": "Ihre Ideen für Radwege, Spielplätze, Parken, Grün und Ruhe in unserer Stadt.",
         "starts_on": dt.date(2026, 3, 1), "ends_on": dt.date(2026, 6, 30), "is_public": True,
         "area": [49.97, 7.95, 50.03, 8.05]}, actor="demo", town=town)
    report = import_contributions(project, formats.read_rows(FILE.read_bytes(), FILE.name), actor="demo", town=town)
    if not report.ok:
        raise RuntimeError(f"demo contributions for {town.name}: {report.errors}")
    if not project.runs.filter(status=AnalysisRun.Status.DONE).exists():
        run = request_analysis(project, actor="demo", town=town, send=False)
        run_analysis(run, town=town)
    return {"project": SLUG, "contributions": project.contributions.count(),
            "page": f"{town.url.rstrip('/')}/feedback/{SLUG}/"}
