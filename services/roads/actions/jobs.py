"""Queueing the road service's background jobs once the current transaction commits.

The tasks are found by name: tasks import actions, never the reverse.
"""

from __future__ import annotations

from django.db import transaction

from core.tasks import registered_task
from services.roads.models import Job


def enqueue_grading() -> Job:
    """Grade after the current transaction commits (imports, decisions call this)."""
    job = Job.objects.create(kind="grading")
    transaction.on_commit(lambda: registered_task("roads.grade_town").delay(job.pk))
    return job


def enqueue_damage_detection(capture_ids) -> Job:
    job = Job.objects.create(kind="detection", total=len(capture_ids))
    ids = [int(i) for i in capture_ids]
    transaction.on_commit(lambda: registered_task("roads.detect_damage").delay(job.pk, ids))
    return job
