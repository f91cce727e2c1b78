"""The citizens' submission form at the town host (anonymous, still gated by the town's subscription)."""

from __future__ import annotations

import time

from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from services.feedback import conf, ratelimit
from services.feedback.actions.submissions import submit_contribution
from services.feedback.forms import SubmissionForm
from services.feedback.models import Project
from tenants.middleware import town_public

SALT = "feedback.form.started"


def public_project(slug: str) -> Project:
    project = Project.objects.filter(slug=slug, is_public=True).first()
    if project is None:
        raise Http404("No such public project")
    return project


def form_problem(data: dict) -> str:
    """Why a filled form is refused as automated, or "" (honeypot, signed opening time)."""
    if data.get("website"):
        return "honeypot"
    try:
        started = signing.loads(data.get("started", ""), salt=SALT, max_age=24 * 3600)
    except signing.BadSignature:
        return "bad token"
    if time.time() - float(started) < conf.MIN_FORM_SECONDS:
        return "too fast"
    return ""


@town_public
def submission_form(request, slug):
    project = public_project(slug)
    thanks = False
    status = 200
    if request.method == "POST":
        form = SubmissionForm(request.POST)
        if not ratelimit.allow(request):
            return HttpResponse(_("Too many contributions from your connection; please try again later."),
                                status=429)
        if form.is_valid():
            problem = form_problem(form.cleaned_data)
            if problem:
                form.add_error(None, _("The form could not be accepted; please reload the page and send it again."))
                status = 400
            else:
                submit_contribution(project, text=form.cleaned_data["text"], title=form.cleaned_data["title"],
                                    lat=form.cleaned_data["lat"], lon=form.cleaned_data["lon"],
                                    email=form.cleaned_data["email"], consent=form.cleaned_data["consent"],
                                    town=request.tenant)
                thanks = True
                form = SubmissionForm(initial={"started": signing.dumps(str(time.time()), salt=SALT)})
        else:
            status = 400
    else:
        form = SubmissionForm(initial={"started": signing.dumps(str(time.time()), salt=SALT)})
    return render(request, "feedback/public_form.html", {
        "project": project, "form": form, "thanks": thanks, "basemap_url": conf.BASEMAP_URL,
        "basemap_attribution": conf.BASEMAP_ATTRIBUTION}, status=status)
