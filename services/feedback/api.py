"""The town API of the feedback service: projects, contribution import and export, contributions with
results, analysis runs; and the citizens' submission endpoint (anonymous, rate-limited)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from identity.authentication import IsTownMember
from services.feedback import formats, queries, ratelimit
from services.feedback.access import access_project
from services.feedback.actions.analysis import request_analysis
from services.feedback.actions.importing import import_upload
from services.feedback.actions.submissions import submit_contribution
from services.feedback.public import public_project
from tenants.access import has_town_role
from tenants.models import Role


class ProjectSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    description = serializers.CharField()
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    is_public = serializers.BooleanField()
    contributions = serializers.IntegerField()


class ResultSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()
    created_at = serializers.CharField()
    lat = serializers.FloatField(allow_null=True)
    lon = serializers.FloatField(allow_null=True)
    topic = serializers.CharField()
    topic_label = serializers.CharField()
    topic_suggested = serializers.CharField()
    sentiment = serializers.CharField()
    sentiment_suggested = serializers.CharField()
    duplicate_of = serializers.CharField()
    campaign = serializers.BooleanField()
    spam = serializers.BooleanField()
    spam_reason = serializers.CharField()
    reviewed = serializers.BooleanField()
    source = serializers.CharField()


class RunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    progress = serializers.IntegerField()
    stage = serializers.CharField()
    results = serializers.DictField()
    parameters = serializers.DictField()


class StartSerializer(serializers.Serializer):
    topics = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=60)


class SubmitSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    consent = serializers.BooleanField(required=False, default=False)
    website = serializers.CharField(required=False, allow_blank=True, default="",
                                    help_text="Leave empty (spam check).")

    def validate(self, data):
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise serializers.ValidationError(_("The location is incomplete."))
        if data.get("email") and not data.get("consent"):
            raise serializers.ValidationError(_("Contact by e-mail needs consent."))
        return data


class ImportFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV, TSV, XLSX or JSON with the columns id and text.")


class ImportedSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Line in the file (the header is line 1; JSON: index + 2).")
    id = serializers.CharField()
    message = serializers.CharField()


class ImportRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = RowErrorSerializer(many=True, required=False)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


def _run(run) -> dict:
    return {"id": run.pk, "status": run.status, "progress": run.progress, "stage": run.stage,
            "results": run.results, "parameters": run.parameters}


class TownView(APIView):
    permission_classes = [IsAuthenticated, IsTownMember]


class ProjectList(TownView):
    @extend_schema(operation_id="feedback_projects", responses=ProjectSerializer(many=True))
    def get(self, request):
        from services.feedback.models import Project

        return Response([{"slug": p.slug, "title": p.title, "description": p.description,
                          "starts_on": p.starts_on, "ends_on": p.ends_on, "is_public": p.is_public,
                          "contributions": p.contributions.count()} for p in Project.objects.all()])


class ContributionList(TownView):
    @extend_schema(operation_id="feedback_contributions", responses=ResultSerializer(many=True),
                   description="One row per contribution: the person's decision where there is one, else the "
                               "suggestion (the same columns as the export).")
    def get(self, request, slug):
        return Response(queries.export_rows(access_project(slug)))


class AnalysisView(TownView):
    @extend_schema(operation_id="feedback_analysis_latest", responses={200: RunSerializer})
    def get(self, request, slug):
        run = access_project(slug).runs.first()
        if run is None:
            return Response({"detail": _("Not analysed yet.")}, status=status.HTTP_404_NOT_FOUND)
        return Response(_run(run))

    @extend_schema(operation_id="feedback_analysis_start", request=StartSerializer, responses={202: RunSerializer})
    def post(self, request, slug):
        if not has_town_role(request.user, request.tenant, Role.TOWN_ADMIN, Role.TOWN_STAFF):
            raise PermissionDenied(_("Only town staff may change participation projects."))
        project = access_project(slug)
        body = StartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if not project.contributions.exists():
            return Response({"detail": _("Import contributions first.")}, status=status.HTTP_400_BAD_REQUEST)
        run = request_analysis(project, actor=request.user, town=request.tenant,
                               topics_wanted=body.validated_data.get("topics"))
        return Response(_run(run), status=status.HTTP_202_ACCEPTED)


class ImportView(TownView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(operation_id="feedback_import", request={"multipart/form-data": ImportFileSerializer},
                   responses={201: ImportedSerializer, 400: ImportRefusedSerializer},
                   description="Import contributions by their file id (the import page's importer): every row is "
                               "checked first, then all rows are stored or none. A refused file answers 400 with "
                               "the rows and their errors. Embeddings are computed by a worker afterwards.")
    def post(self, request, slug):
        if not has_town_role(request.user, request.tenant, Role.TOWN_ADMIN, Role.TOWN_STAFF):
            raise PermissionDenied(_("Only town staff may change participation projects."))
        project = access_project(slug)
        upload = request.FILES.get("file")
        if upload is None:
            return Response({"detail": _("Send the file in the form field '%(field)s'.") % {"field": "file"}},
                            status=status.HTTP_400_BAD_REQUEST)
        try:
            report = import_upload(project, upload, actor=request.user, town=request.tenant)
        except formats.FileFormatError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        if not report.ok:
            count = len(report.errors)
            return Response({"detail": ngettext("%(counter)s row has errors; nothing was imported.",
                                                 "%(counter)s rows have errors; nothing was imported.", count)
                             % {"counter": count},
                             "errors": [{"row": e.row, "id": e.external_id, "message": e.message}
                                        for e in report.errors[:200]]}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
                        status=status.HTTP_201_CREATED)


class ExportView(TownView):
    def perform_content_negotiation(self, request, force=False):
        # ``format`` names the file format here, not one of DRF's renderers.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(operation_id="feedback_export",
                   parameters=[OpenApiParameter("format", str, enum=list(formats.EXPORT_FORMATS), required=True)],
                   responses={(200, content_type): OpenApiResponse(bytes)
                              for content_type in dict.fromkeys(formats.EXPORT_FORMATS.values())}
                   | {400: DetailSerializer},
                   description="The export of the page and of feedback_export: one row per contribution with id "
                               "(the file's own), topic, topic_label, sentiment (the person's decision where "
                               "there is one, else the suggestion), duplicate_of, spam, reviewed and more.")
    def get(self, request, slug):
        project = access_project(slug)
        try:
            exported = queries.export_file(project, request.query_params.get("format", ""))
        except formats.FileFormatError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        response = HttpResponse(exported.data, content_type=exported.content_type)
        response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        return response


class SubmitView(APIView):
    """Citizens submit a contribution to a public project (no account; rate-limited; spam-checked)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    town_public = True

    @extend_schema(operation_id="feedback_submit", request=SubmitSerializer,
                   responses={201: inline_serializer("Submitted", {"id": serializers.CharField()})})
    def post(self, request, slug):
        project = public_project(slug)
        if not ratelimit.allow(request):
            raise Throttled(detail=_("Too many contributions from your connection; please try again later."))
        body = SubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data.get("website"):
            return Response({"detail": _("The contribution could not be accepted.")},
                            status=status.HTTP_400_BAD_REQUEST)
        contribution = submit_contribution(project, text=data["text"], title=data["title"], lat=data.get("lat"),
                                           lon=data.get("lon"), email=data["email"], consent=data["consent"],
                                           town=request.tenant)
        return Response({"id": contribution.external_id}, status=status.HTTP_201_CREATED)
