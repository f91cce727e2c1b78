"""The feedback service's part of a town's start page: AI suggestions waiting for review, new contributions."""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.registry import DashboardItem
from services.feedback.models import Contribution

NEWEST = 5


def dashboard(town, user) -> tuple[list[DashboardItem], list[DashboardItem]]:
    tasks = []
    waiting = Contribution.objects.filter(analysed_at__isnull=False, reviewed_at__isnull=True).count()
    if waiting:
        tasks.append(DashboardItem(
            label=ngettext("Citizen feedback: %(count)s contribution with AI suggestions to review",
                           "Citizen feedback: %(count)s contributions with AI suggestions to review", waiting)
            % {"count": waiting}, url=reverse("feedback:index"), count=waiting))
    newest = (Contribution.objects.filter(source=Contribution.Source.FORM, reviewed_at__isnull=True)
              .select_related("project").order_by("-submitted_at", "-pk")[:NEWEST])
    news = [DashboardItem(label=Truncator(c.title or c.text).chars(100),
                          url=reverse("feedback:project", args=[c.project.slug]), when=c.submitted_at,
                          detail=_("Citizen feedback: %(project)s") % {"project": c.project.title})
            for c in newest if c.submitted_at]
    return tasks, news
