"""Participation projects: create and edit."""

from __future__ import annotations

from django.db import transaction

from core.audit.log import log_action
from services.feedback.models import Project

FIELDS = ("title", "description", "starts_on", "ends_on", "is_public", "area", "fixed_topics")


@transaction.atomic
def save_project(values: dict, *, actor, town, project: Project | None = None) -> Project:
    created = project is None
    project = project or Project(slug=values["slug"])
    if "slug" in values:
        project.slug = values["slug"]
    for key in FIELDS:
        if key in values:
            setattr(project, key, values[key])
    project.full_clean()
    project.save()
    log_action("feedback.project.created" if created else "feedback.project.updated", actor=actor, town=town,
               project=project.slug)
    return project


def get_or_create_project(slug: str, *, actor, town) -> tuple[Project, bool]:
    existing = Project.objects.filter(slug=slug).first()
    if existing:
        return existing, False
    return save_project({"slug": slug, "title": slug.replace("-", " ").title()}, actor=actor, town=town), True
