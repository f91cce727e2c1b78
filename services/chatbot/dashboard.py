"""The chatbot's part of a town's start page: open inbox cases, entries to check, the newest questions."""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.registry import DashboardItem
from services.chatbot.models import Case, Entry

NEWEST = 5


def dashboard(town, user) -> tuple[list[DashboardItem], list[DashboardItem]]:
    tasks: list[DashboardItem] = []
    open_cases = Case.objects.filter(status=Case.Status.OPEN)
    count = open_cases.count()
    if count:
        tasks.append(DashboardItem(
            label=ngettext("Chatbot: %(count)s open question in the inbox",
                           "Chatbot: %(count)s open questions in the inbox", count) % {"count": count},
            url=reverse("chatbot:inbox"), count=count))
    similar = Entry.objects.filter(similar_to__isnull=False, similarity_dismissed=False).count()
    if similar:
        tasks.append(DashboardItem(
            label=ngettext("Chatbot: %(count)s knowledge-base entry resembles another – merge or keep apart",
                           "Chatbot: %(count)s knowledge-base entries resemble others – merge or keep apart",
                           similar) % {"count": similar},
            url=reverse("chatbot:entries") + "?similar=1", count=similar))
    news = [DashboardItem(label=Truncator(case.question).chars(100), url=reverse("chatbot:case", args=[case.pk]),
                          when=case.created_at, detail=_("Chatbot inbox"))
            for case in open_cases.order_by("-created_at")[:NEWEST]]
    return tasks, news
