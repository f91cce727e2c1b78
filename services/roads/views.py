"""Staff pages of the road service (town host, members; changes for town staff and admins)."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Q, Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from services.roads import conf, exports, grading, planning
from services.roads.access import (
    access_capture,
    access_detection,
    access_work_order,
    may_edit,
    require_editor,
)
from services.roads.actions import captures as capture_actions
from services.roads.actions.detections import import_detections
from services.roads.actions.network import import_network
from services.roads.actions.review import DecisionError, close_work_order, decide
from services.roads.actions.scenarios import ScenarioError, compute_scenario, update_unit_costs
from services.roads.forms import (
    CloseWorkOrderForm,
    CostsForm,
    DecisionForm,
    DetectionFileForm,
    NetworkForm,
    ScenarioForm,
    UploadForm,
)
from services.roads.models import (
    Capture,
    Detection,
    NetworkImport,
    RoadsSettings,
    Scenario,
    Segment,
    Survey,
    WorkOrder,
)
from services.roads.sources import NetworkFileError
from services.roads.vendor import DetectionFileError, read_detections


def _marks():
    return {"target": grading.TARGET_VALUE, "warning": grading.WARNING_VALUE, "threshold": grading.THRESHOLD_VALUE}


def overview(request):
    segments = Segment.objects.filter(active=True)
    stats = segments.aggregate(count=Count("id"), km=Sum("length_m"), graded=Count("id", filter=Q(grade__isnull=False)),
                               mean=Avg("grade"))
    bands = {b: 0.0 for b in ("good", "fair", "warning", "threshold")}
    for grade, length in segments.filter(grade__isnull=False).values_list("grade", "length_m"):
        bands[grading.band(grade)] += length / 1000
    return render(request, "roads/overview.html", {
        "stats": stats, "bands": bands, "marks": _marks(), "basemap_url": conf.BASEMAP_URL,
        "basemap_attribution": conf.BASEMAP_ATTRIBUTION, "last_import": NetworkImport.objects.first(),
        "surveys": Survey.objects.all()[:10], "open_orders": WorkOrder.objects.filter(status="open").count(),
        "suggested": Detection.objects.filter(status="suggested").count(),
        "review": Capture.objects.filter(status=Capture.Status.REVIEW).count(), "can_edit": may_edit(
            request.user, request.tenant)})


def network(request):
    form = NetworkForm(request.POST if request.method == "POST" else None, request.FILES or None)
    if request.method == "POST":
        require_editor(request)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                run = import_network(upload.read(), upload.name, actor=request.user, town=request.tenant,
                                     segment_length_m=form.cleaned_data["segment_length"])
            except NetworkFileError as error:
                form.add_error("file", str(error))
            else:
                messages.success(request, _("Network imported: %(created)s new, %(updated)s changed, "
                                            "%(unchanged)s unchanged, %(retired)s retired segments.")
                                 % {"created": run.created, "updated": run.updated, "unchanged": run.unchanged,
                                    "retired": run.retired})
                return redirect("roads:network")
    return render(request, "roads/network.html", {"form": form, "imports": NetworkImport.objects.all()[:20],
                                                  "classes": conf.HIGHWAY_CLASSES}, status=400 if form.errors else 200)


def captures(request):
    form = UploadForm(request.POST if request.method == "POST" else None)
    report = None
    if request.method == "POST":
        require_editor(request)
        files = [(f.name, f.read()) for f in request.FILES.getlist("files")]
        if not files:
            messages.error(request, _("Please choose images or GPX tracks."))
        elif form.is_valid():
            batch = capture_actions.open_batch(survey_name=form.cleaned_data["survey"], name=_("Upload by page"),
                                               actor=request.user, town=request.tenant)
            report = capture_actions.receive_files(batch, files, actor=request.user, town=request.tenant)
            if report.ok:
                capture_actions.close_batch(batch, actor=request.user, town=request.tenant)
                messages.success(request, _("%(n)s images received, %(review)s wait for review.")
                                 % {"n": report.count("published") + report.count("review"),
                                    "review": report.count("review")})
                return redirect("roads:captures")
    queue = Capture.objects.filter(status=Capture.Status.REVIEW).order_by("created_at")[:50]
    recent = Capture.objects.filter(status=Capture.Status.PUBLISHED)[:30]
    return render(request, "roads/captures.html", {"form": form, "report": report, "queue": queue, "recent": recent},
                  status=400 if report is not None and not report.ok else 200)


@require_POST
def capture_review(request, capture_id):
    require_editor(request)
    capture = access_capture(capture_id)
    try:
        capture_actions.review_capture(capture, publish=request.POST.get("publish") == "1", actor=request.user,
                                       town=request.tenant)
    except ValueError as error:
        messages.error(request, str(error))
    return redirect("roads:captures")


def capture_image(request, capture_id):
    capture = access_capture(capture_id)
    # Images waiting for anonymisation review are shown only to the staff who review them.
    if capture.status == Capture.Status.WITHHELD or (
            capture.status == Capture.Status.REVIEW and not may_edit(request.user, request.tenant)):
        raise Http404("No such image")
    if not default_storage.exists(capture.image.name):
        raise Http404("No such image")
    return FileResponse(default_storage.open(capture.image.name, "rb"), content_type="image/jpeg")


def detections(request):
    form = DetectionFileForm()
    status_filter = request.GET.get("status", "suggested")
    queryset = Detection.objects.select_related("segment", "capture").order_by("-confidence", "id")
    if status_filter in Detection.Status.values:
        queryset = queryset.filter(status=status_filter)
    page = Paginator(queryset, 25).get_page(request.GET.get("page"))
    return render(request, "roads/detections.html", {"page": page, "status": status_filter, "form": form,
                                                     "statuses": Detection.Status.choices,
                                                     "classes": Detection._meta.get_field("damage_class").choices})


@require_POST
def detections_import(request):
    require_editor(request)
    form = DetectionFileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Please choose a file."))
        return redirect("roads:detections")
    upload = form.cleaned_data["file"]
    try:
        rows, errors = read_detections(upload.read(), upload.name)
    except DetectionFileError as error:
        messages.error(request, str(error))
        return redirect("roads:detections")
    report = import_detections(rows, errors, actor=request.user, town=request.tenant,
                               survey_name=form.cleaned_data["survey"], filename=upload.name)
    if not report.ok:
        return render(request, "roads/import_errors.html", {"report": report, "filename": upload.name}, status=400)
    messages.success(request, _("%(created)s detections imported, %(unchanged)s were there already.")
                     % {"created": report.created, "unchanged": report.unchanged})
    return redirect("roads:detections")


@require_POST
def detection_decide(request, detection_id):
    require_editor(request)
    detection = access_detection(detection_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose a decision."))
        return redirect("roads:detections")
    d = form.cleaned_data
    try:
        decide(detection, d["action"], actor=request.user, town=request.tenant, damage_class=d["damage_class"] or None,
               hazard=True if d["hazard"] else None, note=d["note"])
    except DecisionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Decision saved for %(id)s.") % {"id": detection.external_id})
    return redirect(request.POST.get("next") or "roads:detections")


def work_orders(request):
    return render(request, "roads/work_orders.html", {
        "orders": WorkOrder.objects.select_related("detection__capture", "segment")[:200],
        "form": CloseWorkOrderForm()})


@require_POST
def work_order_close(request, number):
    require_editor(request)
    form = CloseWorkOrderForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please describe the repair."))
        return redirect("roads:work-orders")
    try:
        close_work_order(access_work_order(number), repair_note=form.cleaned_data["repair_note"], actor=request.user,
                         town=request.tenant)
    except DecisionError as error:
        messages.error(request, str(error))
    return redirect("roads:work-orders")


def plans(request):
    form = ScenarioForm(request.POST or None)
    costs = CostsForm(request.POST or None, instance=RoadsSettings.current(), prefix="costs")
    if request.method == "POST":
        require_editor(request)
        if "costs-crack_sealing_eur_m2" in request.POST:
            form = ScenarioForm()
            if costs.is_valid():
                c = costs.cleaned_data
                update_unit_costs(crack_sealing=c["crack_sealing_eur_m2"], patching=c["patching_eur_m2"],
                                  surface_renewal=c["surface_renewal_eur_m2"], hazard_due_days=c["hazard_due_days"],
                                  actor=request.user, town=request.tenant)
                messages.success(request, _("Unit costs saved."))
                return redirect("roads:plans")
        elif form.is_valid():
            costs = CostsForm(instance=RoadsSettings.current(), prefix="costs")
            try:
                scenario = compute_scenario(name=form.cleaned_data["name"],
                                            annual_budget=form.cleaned_data["annual_budget"],
                                            years=form.cleaned_data["years"], actor=request.user, town=request.tenant)
            except ScenarioError as error:
                form.add_error(None, str(error))
            else:
                return redirect(f"{request.path}?scenario={scenario.pk}")
    ranked = planning.ranked(Segment.objects.filter(active=True, grade__isnull=False)
                             .values("id", "name", "highway", "length_m", "grade"))[:50]
    chosen = Scenario.objects.filter(pk=request.GET.get("scenario") or 0).first() if (
        request.GET.get("scenario", "").isdigit()) else Scenario.objects.first()
    return render(request, "roads/plans.html", {"form": form, "costs": costs, "ranked": ranked, "scenario": chosen,
                                                "scenarios": Scenario.objects.all()[:20], "marks": _marks()})


def export(request, layer, fmt):
    try:
        crs = int(request.GET.get("crs", "4326"))
        text = exports.export(layer, fmt, crs)
    except (exports.ExportError, ValueError):
        raise Http404("Unknown export") from None
    response = HttpResponse(text, content_type=exports.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{layer}-{request.tenant.slug}-{crs}.{fmt}"'
    return response


def report_pdf(request):
    from services.roads.report import condition_report

    response = HttpResponse(condition_report(request.tenant), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="zustandsbericht-{request.tenant.slug}.pdf"'
    return response
