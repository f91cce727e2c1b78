"""Staff inbox of escalated questions, analytics, and the public demo page."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.db.models import Sum
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from services.chatbot.actions import inbox
from services.chatbot.forms import CaseEntryForm, ReplyForm
from services.chatbot.models import Case, DailyStat, UnansweredQuestion
from services.chatbot.views import require_editor
from tenants.middleware import town_public


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
    return render(request, "chatbot/case.html", {"case": case, "reply_form": reply_form, "entry_form": entry_form,
                                                 "conversation": case.conversation.messages.all()})


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
        questions=Sum("questions"), answered=Sum("answered"), escalations=Sum("escalations"),
        helpful=Sum("helpful"), not_helpful=Sum("not_helpful"))
    totals = {k: v or 0 for k, v in totals.items()}
    share = totals["answered"] / totals["questions"] if totals["questions"] else None
    return render(request, "chatbot/analytics.html", {
        "days": days, "totals": totals, "answered_share": share, "since": since,
        "unanswered": UnansweredQuestion.objects.all()[:20],
    })


@town_public
def demo(request):
    return render(request, "chatbot/demo.html")
