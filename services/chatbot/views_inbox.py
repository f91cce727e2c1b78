"""Staff inbox of escalated questions, analytics, and the public demo page."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.db.models import Count, Sum
from django.db.models.functions import TruncWeek
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from services.chatbot.actions import inbox, knowledge
from services.chatbot.forms import CaseEntryForm, ReplyForm
from services.chatbot.models import (
    Case,
    DailyStat,
    Entry,
    Message,
    Phrasing,
    SuggestedQuestion,
    UnansweredQuestion,
)
from services.chatbot.views import require_editor
from tenants.access import has_town_role
from tenants.middleware import town_public
from tenants.models import Role


def case_list(request):
    status = request.GET.get("status", Case.Status.OPEN)
    cases = Case.objects.all() if status == "all" else Case.objects.filter(status=status)
    return render(request, "chatbot/inbox.html", {"cases": cases[:200], "status": status,
                                                  "statuses": Case.Status.choices})


def case_detail(request, case_id):
    case = inbox.access_case(case_id)
    reply_form = ReplyForm(request.POST or None)
    entry_form = CaseEntryForm(initial={"question": case.question, "answer": case.reply})
    if request.method == "POST":
        require_editor(request)
        if reply_form.is_valid():
            inbox.reply_to_case(case, reply_form.cleaned_data["reply"], actor=request.user, town=request.tenant)
            messages.success(request, _("Reply sent."))
            return redirect("chatbot:case", case_id=case.pk)
    conversation = list(case.conversation.messages.all())
    # The entry the machine thought closest: a first guess for the variant form (never one in the recycle bin).
    guesses = [m.sources[0]["external_id"] for m in conversation
               if m.sources and m.kind != Message.Kind.QUESTION and m.sources[0].get("external_id")]
    live = set(Entry.objects.filter(external_id__in=guesses).values_list("external_id", flat=True))
    guesses = [guess for guess in guesses if guess in live]
    # The case keeps its entry while that lies in the recycle bin: the page says so instead of linking to a 404.
    binned = case.entry if case.entry is not None and case.entry.deleted_at is not None else None
    return render(request, "chatbot/case.html", {
        "case": case, "reply_form": reply_form, "entry_form": entry_form, "conversation": conversation,
        "suggested_entry": guesses[-1] if guesses else "", "binned_entry": binned,
        "binned_until": knowledge.purge_until(binned) if binned else None,
        "may_edit": has_town_role(request.user, request.tenant, Role.TOWN_ADMIN, Role.TOWN_STAFF)})


@require_POST
def case_to_entry(request, case_id):
    require_editor(request)
    case = inbox.access_case(case_id)
    form = CaseEntryForm(request.POST)
    if not form.is_valid() or not (form.cleaned_data["answer"] or case.reply):
        messages.error(request, _("Question and answer are needed for an entry."))
        return redirect("chatbot:case", case_id=case.pk)
    entry = inbox.entry_from_case(case, actor=request.user, town=request.tenant,
                                  question=form.cleaned_data["question"], answer=form.cleaned_data["answer"])
    messages.success(request, _("Knowledge-base entry %(id)s created.") % {"id": entry.external_id})
    return redirect("chatbot:case", case_id=case.pk)


@require_POST
def case_close(request, case_id):
    require_editor(request)
    inbox.close_case(inbox.access_case(case_id), actor=request.user, town=request.tenant)
    return redirect("chatbot:inbox")


ANALYTICS_MAX_DAYS = 3660


def analytics(request):
    raw = request.GET.get("days", "") or "30"
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw[:6]) <= ANALYTICS_MAX_DAYS:
        raise BadRequest(_("days must be a whole number from 1 to %(most)s.") % {"most": ANALYTICS_MAX_DAYS})
    since = timezone.localdate() - dt.timedelta(days=int(raw))
    days = list(DailyStat.objects.filter(day__gte=since))
    totals = DailyStat.objects.filter(day__gte=since).aggregate(
        questions=Sum("questions"), answered=Sum("answered"), suggested=Sum("suggested"), picked=Sum("picked"),
        escalations=Sum("escalations"), helpful=Sum("helpful"), not_helpful=Sum("not_helpful"))
    totals = {k: v or 0 for k, v in totals.items()}
    share = totals["answered"] / totals["questions"] if totals["questions"] else None
    low_rated = (Message.objects.filter(kind=Message.Kind.ANSWER, rating=-1, in_reply_to__isnull=False)
                 .select_related("in_reply_to", "entry").order_by("-created_at")[:20])
    return render(request, "chatbot/analytics.html", {
        "days": days, "totals": totals, "answered_share": share, "since": since,
        "weeks": learning_weeks(since),
        "unanswered": UnansweredQuestion.objects.all()[:20],
        "suggested": SuggestedQuestion.objects.select_related("picked")[:20],
        "low_rated": low_rated,
    })


def learning_weeks(since) -> list[dict]:
    """Per week: answered share, ratings, escalations, and how many citizens' wordings became variants."""
    weeks: dict = {}
    for day in DailyStat.objects.filter(day__gte=since):
        monday = day.day - dt.timedelta(days=day.day.weekday())
        week = weeks.setdefault(monday, {"week": monday, "questions": 0, "answered": 0, "escalations": 0,
                                         "helpful": 0, "not_helpful": 0, "variants": 0})
        for name in ("questions", "answered", "escalations", "helpful", "not_helpful"):
            week[name] += getattr(day, name)
    added = (Phrasing.objects.filter(origin=Phrasing.Origin.CITIZEN, added_at__date__gte=since)
             .annotate(week=TruncWeek("added_at")).values("week").annotate(n=Count("id")))
    for row in added:
        monday = timezone.localtime(row["week"]).date() if hasattr(row["week"], "hour") else row["week"]
        week = weeks.setdefault(monday, {"week": monday, "questions": 0, "answered": 0, "escalations": 0,
                                         "helpful": 0, "not_helpful": 0, "variants": 0})
        week["variants"] += row["n"]
    for week in weeks.values():
        week["share"] = round(100 * week["answered"] / week["questions"]) if week["questions"] else None
    return [weeks[key] for key in sorted(weeks)]


@town_public
def demo(request):
    return render(request, "chatbot/demo.html")
