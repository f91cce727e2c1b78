"""The road service's API at the town host (/api/v1/roads/): vehicles upload, staff import and decide.

Callers are members of the town or its service account (client credentials, acting as staff).
"""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from identity.authentication import IsTownMember
from services.roads import conf, exports, geojson
from services.roads.access import access_batch, access_detection, access_work_order, may_edit
from services.roads.actions import captures as capture_actions
from services.roads.actions.detections import import_detections
from services.roads.actions.network import import_network
from services.roads.actions.review import ACTIONS, DecisionError, close_work_order, decide
from services.roads.actions.scenarios import ScenarioError, compute_scenario
from services.roads.models import DamageClass, Detection, Job
from services.roads.sources import NetworkFileError
from services.roads.vendor import DetectionFileError, read_detections


class RoadsAPIView(APIView):
    permission_classes = [IsTownMember]

    def editor(self, request) -> None:
        if not may_edit(request.user, request.tenant):
            raise PermissionDenied(_("Only town staff may change road data."))

    def person(self, request) -> None:
        """Decisions are made by people: a machine account may upload, never decide."""
        self.editor(request)
        if not getattr(request.user, "pk", None):
            raise PermissionDenied(_("Decisions about damage are made by staff, not by service accounts."))


def _one_file(request, field="file"):
    upload = request.FILES.get(field)
    if upload is None:
        return None, Response({"detail": _("Send the file in the form field '%(field)s'.") % {"field": field}},
                              status=status.HTTP_400_BAD_REQUEST)
    return upload, None


class FileSerializer(serializers.Serializer):
    file = serializers.FileField()


class NetworkImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    retired = serializers.IntegerField()


class NetworkView(RoadsAPIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": FileSerializer}, responses={201: NetworkImportResultSerializer},
                   operation_id="roads_network_import",
                   description="Import the road network (.osm.pbf, .osm, .osm.gz or GeoJSON); re-imports keep "
                               "unchanged segments. Optional form fields: segment_length (m), classes (comma list).")
    def post(self, request):
        self.editor(request)
        upload, error = _one_file(request)
        if error:
            return error
        classes = [c.strip() for c in request.data.get("classes", "").split(",") if c.strip()] or None
        try:
            length = float(request.data.get("segment_length") or conf.SEGMENT_LENGTH_M)
            run = import_network(upload.read(), upload.name, actor=request.user, town=request.tenant,
                                 classes=classes, segment_length_m=length)
        except (NetworkFileError, ValueError) as err:
            return Response({"detail": str(err)}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": run.created, "updated": run.updated, "unchanged": run.unchanged,
                         "retired": run.retired}, status=status.HTTP_201_CREATED)


BBOX = OpenApiParameter("bbox", str, description="min_lon,min_lat,max_lon,max_lat (WGS 84)")


class SegmentsView(RoadsAPIView):
    @extend_schema(parameters=[BBOX], responses={200: dict}, operation_id="roads_segments",
                   description="Active segments as GeoJSON (EPSG:4326) with id, name, class, length_m, grade.")
    def get(self, request):
        try:
            return Response(geojson.segments(geojson.parse_bbox(request.query_params.get("bbox"))))
        except geojson.BadBBox as err:
            return Response({"detail": str(err)}, status=status.HTTP_400_BAD_REQUEST)


class DetectionImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class DetectionsView(RoadsAPIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(parameters=[BBOX, OpenApiParameter("status", str, enum=list(Detection.Status.values))],
                   responses={200: dict}, operation_id="roads_detections",
                   description="Detections as GeoJSON points (newest 5,000).")
    def get(self, request):
        wanted = request.query_params.get("status")
        if wanted and wanted not in Detection.Status.values:
            return Response({"detail": _("Unknown status.")}, status=status.HTTP_400_BAD_REQUEST)
        try:
            return Response(geojson.detections(geojson.parse_bbox(request.query_params.get("bbox")), wanted))
        except geojson.BadBBox as err:
            return Response({"detail": str(err)}, status=status.HTTP_400_BAD_REQUEST)

    @extend_schema(request={"multipart/form-data": FileSerializer}, responses={201: DetectionImportResultSerializer},
                   operation_id="roads_detections_import",
                   description="Import a vendor's detections (CSV or GeoJSON); all rows or none. Optional form "
                               "field: survey.")
    def post(self, request):
        self.editor(request)
        upload, error = _one_file(request)
        if error:
            return error
        try:
            rows, errors = read_detections(upload.read(), upload.name)
        except DetectionFileError as err:
            return Response({"detail": str(err)}, status=status.HTTP_400_BAD_REQUEST)
        report = import_detections(rows, errors, actor=request.user, town=request.tenant,
                                   survey_name=request.data.get("survey", ""), filename=upload.name)
        if not report.ok:
            return Response({"detail": _("%(n)s rows with errors; nothing was imported.") % {"n": len(report.errors)},
                             "errors": [{"row": e.row, "id": e.external_id, "message": e.message}
                                        for e in report.errors[:200]]}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": report.created, "unchanged": report.unchanged}, status=status.HTTP_201_CREATED)


class DecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ACTIONS)
    damage_class = serializers.ChoiceField(choices=DamageClass.values, required=False)
    hazard = serializers.BooleanField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class DetectionSerializer(serializers.Serializer):
    id = serializers.CharField(source="external_id")
    suggested_class = serializers.CharField()
    confidence = serializers.FloatField()
    damage_class = serializers.CharField()
    status = serializers.CharField()
    hazard = serializers.BooleanField()
    decided_by = serializers.CharField()
    segment_id = serializers.IntegerField(allow_null=True)
    work_order = serializers.SerializerMethodField()

    def get_work_order(self, obj) -> int | None:
        order = obj.work_orders.order_by("-number").first()
        return order.number if order else None


class DecisionView(RoadsAPIView):
    @extend_schema(request=DecisionSerializer, responses={200: DetectionSerializer}, operation_id="roads_decide",
                   description="Confirm, correct, reject or reopen a detection (by its database id). A confirmed "
                               "hazard opens a work order.")
    def post(self, request, detection_id):
        self.person(request)
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        detection = access_detection(detection_id)
        try:
            detection = decide(detection, data.validated_data["action"], actor=request.user, town=request.tenant,
                               damage_class=data.validated_data.get("damage_class"),
                               hazard=data.validated_data.get("hazard"), note=data.validated_data["note"])
        except DecisionError as err:
            return Response({"detail": str(err)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(DetectionSerializer(detection).data)


class MarkSerializer(serializers.Serializer):
    damage_class = serializers.ChoiceField(choices=DamageClass.values)
    box = serializers.ListField(child=serializers.FloatField(), min_length=4, max_length=4,
                                help_text="x1, y1, x2, y2 in the image's pixels")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class MarkDamageView(RoadsAPIView):
    @extend_schema(request=MarkSerializer, responses={201: DetectionSerializer}, operation_id="roads_mark_damage",
                   description="Staff mark a damage on an image by hand; it is confirmed at once.")
    def post(self, request, capture_id):
        from services.roads.access import access_capture
        from services.roads.actions.detection import mark_damage

        self.person(request)
        data = MarkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            detection = mark_damage(access_capture(capture_id), damage_class=data.validated_data["damage_class"],
                                    box=data.validated_data["box"], note=data.validated_data["note"],
                                    actor=request.user, town=request.tenant)
        except ValueError as err:
            return Response({"detail": str(err)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(DetectionSerializer(detection).data, status=status.HTTP_201_CREATED)


class BatchSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    survey = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class BatchStateSerializer(serializers.Serializer):
    token = serializers.UUIDField()
    survey = serializers.CharField()
    closed = serializers.BooleanField()
    captures = serializers.IntegerField()
    tracks = serializers.IntegerField()
    received = serializers.ListField(child=serializers.CharField(),
                                     help_text="SHA-256 of every file received: a client resumes with the rest.")


def batch_state(batch) -> dict:
    images = list(batch.captures.values_list("original_sha256", flat=True))
    tracks = list(batch.tracks.values_list("digest", flat=True))
    return {"token": str(batch.token), "survey": batch.survey.name, "closed": batch.closed_at is not None,
            "captures": len(images), "tracks": len(tracks), "received": images + tracks}


class BatchesView(RoadsAPIView):
    @extend_schema(request=BatchSerializer, responses={201: BatchStateSerializer}, operation_id="roads_batch_open",
                   description="Open an upload batch (a survey drive); send its files in as many requests as needed.")
    def post(self, request):
        self.editor(request)
        data = BatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = capture_actions.open_batch(survey_name=data.validated_data["survey"], name=data.validated_data["name"],
                                           actor=request.user, town=request.tenant)
        return Response(batch_state(batch), status=status.HTTP_201_CREATED)


class BatchView(RoadsAPIView):
    @extend_schema(responses={200: BatchStateSerializer}, operation_id="roads_batch")
    def get(self, request, token):
        return Response(batch_state(access_batch(token)))


class FileResultSerializer(serializers.Serializer):
    name = serializers.CharField()
    status = serializers.CharField(help_text="published, review, duplicate, track or error")
    capture = serializers.IntegerField(allow_null=True)
    message = serializers.CharField()


class UploadResultSerializer(serializers.Serializer):
    files = FileResultSerializer(many=True)


class BatchFilesView(RoadsAPIView):
    parser_classes = [MultiPartParser]

    def initialize_request(self, request, *args, **kwargs):
        # Images stay in memory: anonymisation comes before anything is written, temporary files included.
        from django.core.files.uploadhandler import MemoryFileUploadHandler

        request.upload_handlers = [MemoryFileUploadHandler(request)]
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
        responses={201: UploadResultSerializer, 400: UploadResultSerializer}, operation_id="roads_batch_files",
        description="JPEG images with EXIF GPS and time, and GPX tracks, in the form field 'files'. Faces and "
                    "number plates are blurred before anything is stored. All files of the request or none; files "
                    "received before are reported as duplicates.")
    def post(self, request, token):
        self.editor(request)
        batch = access_batch(token)
        if batch.closed_at is not None:
            return Response({"detail": _("This batch is closed.")}, status=status.HTTP_409_CONFLICT)
        uploads = request.FILES.getlist("files")
        if not uploads:
            return Response({"detail": _("Send the files in the form field 'files'.")},
                            status=status.HTTP_400_BAD_REQUEST)
        if len(uploads) > conf.MAX_IMAGES_PER_REQUEST:
            return Response({"detail": _("At most %(n)s files per request.") % {"n": conf.MAX_IMAGES_PER_REQUEST}},
                            status=status.HTTP_400_BAD_REQUEST)
        oversized = [u.name for u in uploads if u.size > conf.MAX_IMAGE_BYTES]
        if oversized:
            return Response({"files": [{"name": n, "status": "error", "capture": None, "message": _(
                "%(name)s is larger than %(limit)s MB.") % {"name": n, "limit": conf.MAX_IMAGE_BYTES // 2**20}}
                for n in oversized]}, status=status.HTTP_400_BAD_REQUEST)
        files = [(upload.name, upload.read()) for upload in uploads]
        report = capture_actions.receive_files(batch, files, actor=request.user, town=request.tenant)
        body = {"files": [{"name": f.name, "status": f.status, "capture": f.capture, "message": f.message}
                          for f in report.files]}
        return Response(body, status=status.HTTP_201_CREATED if report.ok else status.HTTP_400_BAD_REQUEST)


class JobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    state = serializers.CharField()
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    message = serializers.CharField()


def job_state(job) -> dict:
    return {"id": job.pk, "kind": job.kind, "state": job.state, "total": job.total, "done": job.done,
            "message": job.message}


class BatchCloseView(RoadsAPIView):
    @extend_schema(request=None, responses={202: JobSerializer}, operation_id="roads_batch_close",
                   description="No more files: the county's damage model runs over the batch (if configured), "
                               "then grading.")
    def post(self, request, token):
        self.editor(request)
        result = capture_actions.close_batch(access_batch(token), actor=request.user, town=request.tenant)
        return Response(job_state(Job.objects.get(pk=result["job"])), status=status.HTTP_202_ACCEPTED)


class GradeView(RoadsAPIView):
    @extend_schema(request=None, responses={202: JobSerializer}, operation_id="roads_grade",
                   description="Grade the network again in the background.")
    def post(self, request):
        self.editor(request)
        from django.db import transaction

        from services.roads.actions.jobs import enqueue_grading

        with transaction.atomic():
            job = enqueue_grading()
        return Response(job_state(job), status=status.HTTP_202_ACCEPTED)


class JobView(RoadsAPIView):
    @extend_schema(responses={200: JobSerializer}, operation_id="roads_job")
    def get(self, request, job_id):
        from django.http import Http404

        job = Job.objects.filter(pk=job_id).first()
        if job is None:
            raise Http404("No such job")
        return Response(job_state(job))


class WorkOrderCloseSerializer(serializers.Serializer):
    repair_note = serializers.CharField(max_length=4000)


class WorkOrderSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    due_on = serializers.DateField()
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    repair_note = serializers.CharField()


class WorkOrdersView(RoadsAPIView):
    @extend_schema(responses={200: WorkOrderSerializer(many=True)}, operation_id="roads_work_orders")
    def get(self, request):
        from services.roads.models import WorkOrder

        return Response(WorkOrderSerializer(WorkOrder.objects.all()[:500], many=True).data)


class WorkOrderCloseView(RoadsAPIView):
    @extend_schema(request=WorkOrderCloseSerializer, responses={200: WorkOrderSerializer},
                   operation_id="roads_work_order_close")
    def post(self, request, number):
        self.person(request)
        data = WorkOrderCloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            order = close_work_order(access_work_order(number), repair_note=data.validated_data["repair_note"],
                                     actor=request.user, town=request.tenant)
        except DecisionError as err:
            return Response({"detail": str(err)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(WorkOrderSerializer(order).data)


class ScenarioRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    annual_budget = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    years = serializers.IntegerField(min_value=1, max_value=10)


class ScenarioView(RoadsAPIView):
    @extend_schema(request=ScenarioRequestSerializer, responses={201: dict}, operation_id="roads_scenario",
                   description="Plan measures for an annual budget over several years (MILP); returns the plan and "
                               "the network's mean grade and backlog per year with and without it.")
    def post(self, request):
        self.editor(request)
        data = ScenarioRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            scenario = compute_scenario(name=data.validated_data["name"],
                                        annual_budget=data.validated_data["annual_budget"],
                                        years=data.validated_data["years"], actor=request.user, town=request.tenant)
        except ScenarioError as err:
            return Response({"detail": str(err)}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"id": scenario.pk, "name": scenario.name, **scenario.result}, status=status.HTTP_201_CREATED)


class ExportView(RoadsAPIView):
    def perform_content_negotiation(self, request, force=False):
        # ``format`` names the file format here, not one of DRF's renderers.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(parameters=[OpenApiParameter("layer", str, enum=list(exports.LAYERS), required=True),
                               OpenApiParameter("format", str, enum=list(exports.FORMATS), required=True),
                               OpenApiParameter("crs", int, enum=list(exports.CRS), required=True)],
                   responses={(200, "application/geo+json"): bytes, (200, "text/csv"): bytes},
                   operation_id="roads_export")
    def get(self, request):
        try:
            layer, fmt = request.query_params.get("layer", ""), request.query_params.get("format", "")
            crs = int(request.query_params.get("crs", "0"))
            text = exports.export(layer, fmt, crs)
        except (exports.ExportError, ValueError) as err:
            return Response({"detail": str(err)}, status=status.HTTP_400_BAD_REQUEST)
        response = HttpResponse(text, content_type=exports.FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="{layer}-{request.tenant.slug}-{crs}.{fmt}"'
        return response
