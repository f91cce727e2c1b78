"""Background jobs of the road service (town tasks: they carry the town's schema)."""

from __future__ import annotations

from django.utils import timezone

from core.tasks import town_task
from services.roads.models import Job


def _finish(job_id: int, state: str, message: str = "") -> None:
    Job.objects.filter(pk=job_id).update(state=state, message=message[:2000], finished_at=timezone.now())


@town_task(name="roads.grade_town")
def grade_town(job_id: int | None = None) -> dict:
    from django.db import connection

    from services.roads.actions.grading import grade_town as grade
    from tenants.models import Town

    town = Town.objects.get(schema_name=connection.schema_name)
    job = Job.objects.filter(pk=job_id).first() if job_id else None
    try:
        result = grade(actor="task:roads.grade_town", town=town, job=job)
    except Exception as error:
        if job is not None:
            _finish(job.pk, Job.State.FAILED, str(error))
        raise
    if job is not None:
        _finish(job.pk, Job.State.DONE)
    return result


@town_task(name="roads.detect_damage")
def detect_damage(job_id: int, capture_ids: list[int]) -> int:
    from django.db import connection

    from services.roads.actions.detection import run_damage_model
    from tenants.models import Town

    town = Town.objects.get(schema_name=connection.schema_name)
    try:
        found = run_damage_model(capture_ids, actor="task:roads.detect_damage", town=town, job_id=job_id)
    except Exception as error:
        _finish(job_id, Job.State.FAILED, str(error))
        raise
    _finish(job_id, Job.State.DONE)
    return found
