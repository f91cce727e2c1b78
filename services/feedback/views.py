"""Staff pages of the feedback service (town host, members; changes by town staff)."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from services.feedback import conf, formats, queries, report
from services.feedback.access import access_contribution, access_project, access_topic, require_editor
from services.feedback.actions import review
from services.feedback.actions.analysis import request_analysis
from services.feedback.actions.importing import import_upload
from services.feedback.actions.projects import save_project
from services.feedback.forms import AnalyseForm, ImportForm, ProjectForm
from services.feedback.models import AnalysisRun, Project, Sentiment


def index(request):
    form = ProjectForm(request.POST or None)
    if request.method == "POST":
        require_editor(request)
        if form.is_valid():
            values = {k: form.cleaned_data.get(k) for k in ("title", "slug", "description", "starts_on", "ends_on",
                                                             "is_public", "fixed_topics", "area")}
            values["slug"] = values["slug"] or slugify(values["title"])[:80]
            project = save_project(values, actor=request.user, town=request.tenant)
            messages.success(request, _("Project %(title)s created.") % {"title": project.title})
            return redirect("feedback:project", project.slug)
    projects = Project.objects.all()
    counts = Counter(Project.objects.values_list("contributions__project", flat=True))
    return render(request, "feedback/index.html", {"projects": [(p, counts.get(p.pk, 0)) for p in projects],
                                                   "form": form})


def project_detail(request, slug):
    project = access_project(slug)
    run = project.runs.first()
    return render(request, "feedback/project.html", {
        "project": project, "run": run, "overview": queries.overview(project),
        "review": queries.review_counts(project), "total": project.contributions.count(),
        "import_form": ImportForm(), "analyse_form": AnalyseForm(initial={"topics": project.fixed_topics}),
        "formats": list(formats.EXPORT_FORMATS), "other_topics": project.topics.all(),
        "running": run is not None and run.status in (AnalysisRun.Status.QUEUED, AnalysisRun.Status.RUNNING),
    })


def run_status(request, slug):
    project = access_project(slug)
    run = project.runs.first()
    if run is None:
        return JsonResponse({"status": "none"})
    return JsonResponse({"id": run.pk, "status": run.status, "progress": run.progress, "stage": run.stage,
                         "error": run.error})


@require_POST
def analyse(request, slug):
    require_editor(request)
    project = access_project(slug)
    form = AnalyseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The number of topics must lie between 1 and 60."))
    elif not project.contributions.exists():
        messages.error(request, _("Import contributions first."))
    else:
        request_analysis(project, actor=request.user, town=request.tenant, topics_wanted=form.cleaned_data["topics"])
        messages.success(request, _("The analysis has started; this page shows its progress."))
    return redirect("feedback:project", project.slug)


@require_POST
def import_file(request, slug):
    require_editor(request)
    project = access_project(slug)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Please choose a file."))
        return redirect("feedback:project", project.slug)
    try:
        result = import_upload(project, form.cleaned_data["file"], actor=request.user, town=request.tenant)
    except formats.FileFormatError as error:
        messages.error(request, str(error))
        return redirect("feedback:project", project.slug)
    if not result.ok:
        return render(request, "feedback/import_report.html", {"project": project, "report": result}, status=400)
    messages.success(request, _("%(created)s contributions imported, %(updated)s updated, %(unchanged)s unchanged.")
                     % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged})
    if result.created or result.updated:
        messages.info(request, _("A background job now computes their embeddings; an analysis started earlier "
                                 "computes the missing ones itself."))
    return redirect("feedback:project", project.slug)


def contributions(request, slug):
    project = access_project(slug)
    qs = queries.filtered(project, request.GET)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    topics = queries.topic_map(project)
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "feedback/contributions.html", {
        "project": project, "page": page, "topics": topics, "topic_list": list(topics.values()),
        "sentiments": Sentiment.choices, "filters": request.GET, "query_string": params.urlencode(),
        "count": qs.count()})


@require_POST
def decide(request, slug, contribution_id):
    """One review decision on a contribution: sentiment, topic, duplicate or spam."""
    require_editor(request)
    project = access_project(slug)
    contribution = access_contribution(project, contribution_id)
    kind = request.POST.get("kind")
    try:
        if kind == "sentiment":
            review.set_sentiment(contribution, request.POST.get("value", ""), actor=request.user, town=request.tenant)
        elif kind == "topic":
            review.move_contributions([contribution], access_topic(project, request.POST.get("value")),
                                      actor=request.user, town=request.tenant)
        elif kind == "duplicate":
            review.resolve_duplicate(contribution, request.POST.get("value") == "yes", actor=request.user,
                                     town=request.tenant)
        elif kind == "spam":
            review.set_spam(contribution, request.POST.get("value") == "yes", actor=request.user, town=request.tenant)
        else:
            return HttpResponse(_("Unknown decision."), status=400)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
        return redirect(request.POST.get("next") or f"/feedback/{project.slug}/contributions/")
    messages.success(request, _("Decision saved for %(id)s.") % {"id": contribution.external_id})
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else
                    f"/feedback/{project.slug}/contributions/")


@require_POST
def topic_action(request, slug, topic_id):
    require_editor(request)
    project = access_project(slug)
    topic = access_topic(project, topic_id)
    action = request.POST.get("action")
    try:
        if action == "rename":
            review.rename_topic(topic, request.POST.get("label", ""), actor=request.user, town=request.tenant)
            messages.success(request, _("Topic renamed."))
        elif action == "merge":
            target = access_topic(project, request.POST.get("target"))
            review.merge_topics(topic, target, actor=request.user, town=request.tenant)
            messages.success(request, _("Topics merged into %(label)s.") % {"label": target.label})
        elif action == "split":
            parts = review.split_topic(topic, actor=request.user, town=request.tenant)
            messages.success(request, _("Topic split into %(count)s topics.") % {"count": len(parts)})
        else:
            return HttpResponse(_("Unknown action."), status=400)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    return redirect("feedback:project", project.slug)


@require_POST
def topic_create(request, slug):
    require_editor(request)
    project = access_project(slug)
    try:
        review.create_topic(project, request.POST.get("label", ""), actor=request.user, town=request.tenant)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    return redirect("feedback:project", project.slug)


def decisions(request, slug):
    project = access_project(slug)
    page = Paginator(project.decisions.select_related("contribution", "topic"), 100).get_page(request.GET.get("page"))
    return render(request, "feedback/decisions.html", {"project": project, "page": page,
                                                       "review": queries.review_counts(project)})


def map_view(request, slug):
    project = access_project(slug)
    located = project.contributions.filter(lat__isnull=False).count()
    return render(request, "feedback/map.html", {"project": project, "located": located,
                                                 "points": queries.located(project),
                                                 "basemap_url": conf.BASEMAP_URL,
                                                 "basemap_attribution": conf.BASEMAP_ATTRIBUTION})


def timeline(request, slug):
    project = access_project(slug)
    days = queries.timeline(project)
    peak = max((d["count"] for d in days), default=0)
    return render(request, "feedback/timeline.html", {"project": project, "days": days, "peak": peak})


def export(request, slug, fmt):
    project = access_project(slug)
    try:
        exported = queries.export_file(project, fmt)
    except formats.FileFormatError:
        return HttpResponse(_("Unknown export format."), status=404)
    response = HttpResponse(exported.data, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response


def council_report(request, slug, fmt):
    project = access_project(slug)
    if fmt == "pdf":
        data, content_type = report.pdf(project, request.tenant), "application/pdf"
    elif fmt == "xlsx":
        data, content_type = report.xlsx(project, request.tenant), formats.EXPORT_FORMATS["xlsx"]
    else:
        return HttpResponse(_("Unknown report format."), status=404)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="bericht-{project.slug}.{fmt}"'
    return response

