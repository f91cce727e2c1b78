"""Finance API: cost pools, allocation keys, periods (run, close, correct), statements and their reports."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from billing.actions import (
    BillingError,
    correct_period,
    enter_cost_pool,
    remove_efficiency_override,
    request_run,
    set_efficiency_override,
    void_usage_event,
)
from billing.api_fields import MonthField
from billing.models import AllocationRule, BillingPeriod, CostPool, EfficiencyOverride, Statement, UsageEvent
from billing.periods import PeriodError, month_span, parse_month
from billing.reports.render import CONTENT_TYPES, FORMATS, render_report
from core.api import QueryFilters
from core.audit.log import log_action
from core.parsers import SafeJSONParser
from core.uploads import validate_upload_size
from tenants.access import can_manage_billing, has_town_role
from tenants.models import Role, Town


class NoStore:
    """Money figures and invoices: no browser or proxy cache keeps a copy."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


class CanManageBilling(permissions.BasePermission):
    message = "Billing is for the county's IT and finance staff."

    def has_permission(self, request, view):
        return can_manage_billing(request.user)


class IsTownFinance(permissions.BasePermission):
    message = "The cost reports are for the town's finance department and administrators."

    def has_permission(self, request, view):
        town = getattr(request, "tenant", None)
        return town is not None and has_town_role(request.user, town, Role.FINANCE, Role.TOWN_ADMIN)


class CostPoolSerializer(serializers.ModelSerializer):
    month = MonthField(write_only=True)
    period = serializers.DateField(read_only=True, help_text="First day of the month")
    document = serializers.FileField(required=False, allow_empty_file=False, use_url=False,
                                     validators=[validate_upload_size],
                                     help_text="The invoice or another document (multipart/form-data upload); "
                                               "answered with its stored name.")

    class Meta:
        model = CostPool
        fields = ["id", "service", "month", "period", "category", "amount", "description", "document",
                  "created_by", "created_at"]
        read_only_fields = ["period", "created_by", "created_at"]

    def create(self, validated):
        return enter_cost_pool(month=validated.pop("month"), actor=self.context["request"].user,
                               **validated)


class PeriodFilters(serializers.Serializer):
    period = MonthField(required=False, help_text="YYYY-MM")


class StatementFilters(PeriodFilters):
    town = serializers.RegexField(r"^\d{8}$", required=False, help_text="AGS (eight digits)")


class OverrideFilters(serializers.Serializer):
    town = serializers.RegexField(r"^\d{8}$", required=False, help_text="AGS (eight digits)")
    service = serializers.SlugField(required=False)


@extend_schema_view(list=extend_schema(parameters=[PeriodFilters]))
class CostPoolViewSet(NoStore, QueryFilters, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Costs per service and month; JSON, or multipart/form-data with the ``document`` attached."""

    serializer_class = CostPoolSerializer
    permission_classes = [CanManageBilling]
    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]
    queryset = CostPool.objects.all()
    filter_serializer = PeriodFilters

    def get_queryset(self):
        filters = self.filters() if self.action == "list" else {}
        return self.queryset.filter(period=filters["period"]) if "period" in filters else self.queryset



class EfficiencyOverrideSerializer(serializers.ModelSerializer):
    town = serializers.CharField(source="town.ags", help_text="AGS of the town")
    town_name = serializers.CharField(source="town.name", read_only=True)

    class Meta:
        model = EfficiencyOverride
        fields = ["id", "town", "town_name", "service", "unit", "minutes_saved"]
        read_only_fields = ["id"]
        # One per town, service and unit: a POST for an existing one replaces its figure.
        validators = []


class AllocationRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = AllocationRule
        fields = ["service", "kind", "usage_unit", "base_fraction", "weight_equal", "weight_population",
                  "weight_usage", "updated_by", "updated_at"]
        read_only_fields = ["updated_by", "updated_at"]


class AllocationRuleViewSet(NoStore, QueryFilters, mixins.ListModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                            viewsets.GenericViewSet):
    serializer_class = AllocationRuleSerializer
    permission_classes = [CanManageBilling]
    queryset = AllocationRule.objects.order_by("service")
    lookup_field = "service"

    def perform_create(self, serializer):
        self._saved(serializer.save(updated_by=self.request.user.get_username()))

    def perform_update(self, serializer):
        self._saved(serializer.save(updated_by=self.request.user.get_username()))

    def _saved(self, rule):
        log_action("billing.allocation_rule.set", actor=self.request.user, service=rule.service, kind=rule.kind)

    @extend_schema(methods=["get"], responses=EfficiencyOverrideSerializer(many=True),
                   parameters=[OpenApiParameter("town", str, description="AGS"),
                               OpenApiParameter("service", str)])
    @extend_schema(methods=["post"], request=EfficiencyOverrideSerializer,
                   responses={200: EfficiencyOverrideSerializer})
    @action(detail=False, methods=["get", "post"], url_path="efficiency-overrides", pagination_class=None)
    def efficiency_overrides(self, request):
        """Per-town minutes saved per unit, replacing the service descriptor's (POST sets one; audited)."""
        if request.method == "GET":
            overrides = EfficiencyOverride.objects.select_related("town").order_by("town__ags", "service", "unit")
            filters = self.filters(OverrideFilters)
            if "town" in filters:
                overrides = overrides.filter(town__ags=filters["town"])
            if "service" in filters:
                overrides = overrides.filter(service=filters["service"])
            return Response(EfficiencyOverrideSerializer(overrides, many=True).data)
        incoming = EfficiencyOverrideSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        town = Town.objects.exclude(schema_name="public").filter(ags=data["town"]["ags"]).first()
        if town is None:
            raise ValidationError({"town": f"No town with AGS {data['town']['ags']}."})
        try:
            override = set_efficiency_override(town, data["service"], data["unit"], data["minutes_saved"],
                                               actor=request.user)
        except BillingError as exc:
            raise ValidationError({"detail": str(exc)}) from None
        return Response(EfficiencyOverrideSerializer(override).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=False, methods=["delete"], url_path=r"efficiency-overrides/(?P<override_id>\d+)")
    def remove_efficiency_override(self, request, override_id=None):
        """Back to the service descriptor's minutes for this town and unit (audited)."""
        override = EfficiencyOverride.objects.select_related("town").filter(pk=override_id).first()
        if override is None:
            raise NotFound()
        remove_efficiency_override(override, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BillingPeriodSerializer(serializers.ModelSerializer):
    month = MonthField()
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True,
                                     help_text="What the last run left out so that the others could be billed.")

    class Meta:
        model = BillingPeriod
        fields = ["month", "status", "last_run_at", "run_requested_at", "last_error", "warnings", "closed_at",
                  "closed_by"]


class BillingPeriodViewSet(NoStore, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = BillingPeriodSerializer
    permission_classes = [CanManageBilling]
    queryset = BillingPeriod.objects.all()
    lookup_field = "month"
    lookup_value_regex = r"\d{4}-\d{2}"

    def get_object(self):
        try:
            month = parse_month(self.kwargs["month"])
        except PeriodError:
            raise NotFound() from None
        period = self.get_queryset().filter(month=month).first()
        if period is None:
            raise NotFound()
        return period

    def _queue(self, month: str, **kwargs) -> Response:
        try:
            period = request_run(parse_month(month), actor=self.request.user, **kwargs)
        except (BillingError, PeriodError) as exc:
            raise ValidationError({"detail": str(exc)}) from None
        return Response(BillingPeriodSerializer(period).data, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": f"/api/v1/billing/periods/{period.month:%Y-%m}/"})

    @extend_schema(request=None, responses={202: BillingPeriodSerializer})
    @action(detail=True, methods=["post"])
    def run(self, request, month=None):
        """Queue a billing run (Celery task ``billing.run_period``); poll the period for ``last_run_at``."""
        return self._queue(month)

    @extend_schema(request=None, responses={202: BillingPeriodSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, month=None):
        """Queue a final run that closes the period; poll the period for ``status``."""
        return self._queue(month, close=True)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def correct(self, request, month=None):
        try:
            made = correct_period(parse_month(month), actor=request.user)
        except (BillingError, PeriodError) as exc:
            raise ValidationError({"detail": str(exc)}) from None
        return Response({"corrections": [s.number for s in made]}, status=status.HTTP_200_OK)


class StatementSerializer(serializers.ModelSerializer):
    month = MonthField(source="period.month")
    ags = serializers.CharField(source="town.ags")
    corrects = serializers.CharField(source="corrects.number", default=None)

    class Meta:
        model = Statement
        fields = ["number", "month", "ags", "final", "corrects", "total", "value_of_time", "alone_total", "data",
                  "created_at"]


# What the report endpoints send, by ``output``.
REPORT_RESPONSES = {(200, media): OpenApiTypes.BINARY
                    for media in sorted({value.split(";")[0] for value in CONTENT_TYPES.values()})}
REPORT_PARAMS = [OpenApiParameter("period", str, required=True, description="YYYY-MM"),
                 OpenApiParameter("output", str, required=True, enum=list(FORMATS),
                                  description="pdf, xlsx, csv, xrechnung or umlage (not `format`: DRF reserves it)")]


def _report(month: str, fmt: str, town: Town | None) -> HttpResponse:
    # A bad period or format is a 400, a period without statements a 404 (core.api.exception_handler).
    content, name = render_report(parse_month(month), fmt, town)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@extend_schema_view(list=extend_schema(parameters=[StatementFilters]))
class StatementViewSet(NoStore, QueryFilters, mixins.ListModelMixin, viewsets.GenericViewSet):
    """County view (console host): every town's statements and reports."""

    serializer_class = StatementSerializer
    permission_classes = [CanManageBilling]
    queryset = Statement.objects.select_related("period", "town", "corrects").order_by("-period__month", "town__ags")
    filter_serializer = StatementFilters

    def get_queryset(self):
        queryset = self.queryset
        filters = self.filters() if self.action == "list" else {}
        if "period" in filters:
            queryset = queryset.filter(period__month=filters["period"])
        if "town" in filters:
            queryset = queryset.filter(town__ags=filters["town"])
        return queryset

    @extend_schema(parameters=[*REPORT_PARAMS, OpenApiParameter("town", str, description="AGS; omit for the county")],
                   responses=REPORT_RESPONSES)
    @action(detail=False, methods=["get"])
    def report(self, request):
        town = None
        if request.query_params.get("town"):
            town = Town.objects.exclude(schema_name="public").filter(ags=request.query_params["town"][:20]).first()
            if town is None:
                raise NotFound("No town with this AGS.")
        return _report(request.query_params.get("period", ""), request.query_params.get("output", ""), town)


class TownStatementViewSet(NoStore, QueryFilters, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Town view (town host): only this town's statements."""

    serializer_class = StatementSerializer
    permission_classes = [IsTownFinance]

    def get_queryset(self):
        if self.action == "list":
            self.filters()  # takes none: an unknown parameter is a 400, not a silently unfiltered list
        return Statement.objects.filter(town=self.request.tenant).select_related("period", "town", "corrects") \
            .order_by("-period__month", "-created_at")

    @extend_schema(parameters=REPORT_PARAMS, responses=REPORT_RESPONSES)
    @action(detail=False, methods=["get"])
    def report(self, request):
        return _report(request.query_params.get("period", ""), request.query_params.get("output", ""), request.tenant)


class UsageVoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    voided_by = serializers.CharField(read_only=True)
    voided_at = serializers.DateTimeField(read_only=True)


class CountyUsageEventSerializer(serializers.ModelSerializer):
    town = serializers.CharField(source="town.ags", help_text="AGS of the town")
    town_name = serializers.CharField(source="town.name")
    void = serializers.SerializerMethodField()

    class Meta:
        model = UsageEvent
        fields = ["id", "town", "town_name", "service", "unit", "quantity", "occurred_at", "recorded_at",
                  "idempotency_key", "source", "void"]

    @extend_schema_field(UsageVoidSerializer(allow_null=True))
    def get_void(self, event):
        void = getattr(event, "void", None)
        return UsageVoidSerializer(void).data if void is not None else None


USAGE_PARAMS = [OpenApiParameter("period", str, description="YYYY-MM: events that occurred in this month"),
                OpenApiParameter("town", str, description="AGS"), OpenApiParameter("service", str),
                OpenApiParameter("unit", str)]


class UsageEventViewSet(NoStore, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every town's reported usage, largest first; county finance voids an implausible event (audited)."""

    serializer_class = CountyUsageEventSerializer
    permission_classes = [CanManageBilling]
    queryset = UsageEvent.objects.select_related("town", "void").order_by("-quantity", "-occurred_at", "-id")

    def get_queryset(self):
        queryset = self.queryset
        params = self.request.query_params
        if params.get("period"):
            start, end = month_span(_month_param(params["period"], "period"))
            queryset = queryset.filter(occurred_at__gte=start, occurred_at__lt=end)
        for name, lookup in (("town", "town__ags"), ("service", "service"), ("unit", "unit")):
            if params.get(name):
                queryset = queryset.filter(**{lookup: params[name]})
        return queryset

    @extend_schema(parameters=USAGE_PARAMS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=UsageVoidSerializer, responses={201: CountyUsageEventSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """Take the event out of billing: a new, audited entry beside it; the event itself stays."""
        event = UsageEvent.objects.filter(pk=pk).first() if str(pk).isascii() and str(pk).isdigit() \
            and len(str(pk)) < 19 else None
        if event is None:
            raise NotFound()
        incoming = UsageVoidSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            void_usage_event(event, incoming.validated_data["reason"], actor=request.user)
        except BillingError as exc:
            raise ValidationError({"detail": str(exc)}) from None
        event = self.queryset.get(pk=event.pk)
        return Response(CountyUsageEventSerializer(event).data, status=status.HTTP_201_CREATED)


def _month_param(value: str, name: str):
    try:
        return parse_month(value)
    except PeriodError as exc:
        raise ValidationError({name: str(exc)}) from None
