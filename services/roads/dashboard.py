"""The road service's part of a town's start page: damage suggestions waiting for a person's decision."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import ngettext

from catalog.registry import DashboardItem
from services.roads.models import Detection


def dashboard(town, user) -> tuple[list[DashboardItem], list[DashboardItem]]:
    waiting = Detection.objects.filter(status=Detection.Status.SUGGESTED).count()
    if not waiting:
        return [], []
    return [DashboardItem(
        label=ngettext("Road condition: %(count)s damage suggestion to confirm or reject",
                       "Road condition: %(count)s damage suggestions to confirm or reject", waiting)
        % {"count": waiting},
        url=reverse("roads:detections") + "?status=suggested", count=waiting)], []
