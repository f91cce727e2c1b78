from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from services.feedback.models import Contribution, Project, Topic
from tenants.access import has_town_role
from tenants.models import Role


def require_editor(request) -> None:
    """Reading is for every member; analysing and deciding is for town staff and town admins."""
    if not has_town_role(request.user, request.tenant, Role.TOWN_ADMIN, Role.TOWN_STAFF):
        raise PermissionDenied(_("Only town staff may change participation projects."))


def access_project(slug: str) -> Project:
    project = Project.objects.filter(slug=slug).first()
    if project is None:
        raise Http404("No such project")
    return project


def access_topic(project: Project, topic_id) -> Topic:
    try:
        return Topic.objects.get(project=project, pk=int(topic_id))
    except (TypeError, ValueError, Topic.DoesNotExist):
        raise Http404("No such topic") from None


def access_contribution(project: Project, contribution_id) -> Contribution:
    try:
        return Contribution.objects.get(project=project, pk=int(contribution_id))
    except (TypeError, ValueError, Contribution.DoesNotExist):
        raise Http404("No such contribution") from None
