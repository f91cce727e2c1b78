from __future__ import annotations

from django.db import connection

from core.tasks import town_task


@town_task(name="feedback.analyse_project")
def analyse_project(run_id: int) -> dict:
    """One analysis run, in the town's schema (idempotent: a finished run is not repeated)."""
    from services.feedback.actions.analysis import run_analysis
    from services.feedback.models import AnalysisRun

    run = AnalysisRun.objects.select_related("project").filter(pk=run_id).first()
    if run is None:
        return {}
    run = run_analysis(run, town=connection.tenant if hasattr(connection, "tenant") else None)
    return run.results


@town_task(name="feedback.embed_contributions")
def embed_contributions(project_id: int) -> int:
    """The vectors of a project's newly imported contributions (an analysis embeds any still missing)."""
    from services.feedback.actions.importing import embed_missing
    from services.feedback.models import Project

    project = Project.objects.filter(pk=project_id).first()
    return embed_missing(project) if project else 0
