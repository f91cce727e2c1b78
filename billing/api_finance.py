"""Finance API: cost pools, allocation keys, periods (run, close, correct), statements and their reports."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from billing.actions import BillingError, correct_period, run_period
from billing.models import AllocationRule, BillingPeriod, CostPool, Statement
from billing.periods import PeriodError, parse_month
from billing.reports.render import CONTENT_TYPES, FORMATS, render_report
from kiverbund.audit.log import log_action
from tenants.access import can_manage_billing, has_town_role
from tenants.models import Role, Town


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
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", write_only=True)

    class Meta:
        model = CostPool
        fields = ["id", "service", "month", "period", "category", "amount", "description", "created_by", "created_at"]
        read_only_fields = ["period", "created_by", "created_at"]

    def create(self, validated):
        validated["period"] = parse_month(validated.pop("month"))
        return super().create(validated)


class CostPoolViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = CostPoolSerializer
    permission_classes = [CanManageBilling]
    queryset = CostPool.objects.all()

    def get_queryset(self):
        month = self.request.query_params.get("period")
        if month:
            try:
                return self.queryset.filter(period=parse_month(month))
            except PeriodError as exc:
                raise ValidationError({"period": str(exc)}) from None
        return self.queryset

    def perform_create(self, serializer):
        pool = serializer.save(created_by=self.request.user.get_username())
        log_action("billing.cost_pool.entered", actor=self.request.user, service=pool.service,
                   month=f"{pool.period:%Y-%m}", category=pool.category, amount=str(pool.amount))


class AllocationRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = AllocationRule
        fields = ["service", "kind", "usage_unit", "base_fraction", "weight_equal", "weight_population",
                  "weight_usage", "updated_by", "updated_at"]
        read_only_fields = ["updated_by", "updated_at"]


class AllocationRuleViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
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


class BillingPeriodSerializer(serializers.ModelSerializer):
    month = serializers.DateField(format="%Y-%m")

    class Meta:
        model = BillingPeriod
        fields = ["month", "status", "last_run_at", "closed_at", "closed_by"]


class BillingPeriodViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = BillingPeriodSerializer
    permission_classes = [CanManageBilling]
    queryset = BillingPeriod.objects.all()
    lookup_field = "month"
    lookup_value_regex = r"\d{4}-\d{2}"

    def _do(self, month: str, **kwargs):
        try:
            return run_period(parse_month(month), actor=self.request.user, **kwargs)
        except (BillingError, PeriodError) as exc:
            raise ValidationError({"detail": str(exc)}) from None

    @extend_schema(request=None, responses=BillingPeriodSerializer)
    @action(detail=True, methods=["post"])
    def run(self, request, month=None):
        return Response(BillingPeriodSerializer(self._do(month)).data)

    @extend_schema(request=None, responses=BillingPeriodSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, month=None):
        return Response(BillingPeriodSerializer(self._do(month, close=True)).data)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def correct(self, request, month=None):
        try:
            made = correct_period(parse_month(month), actor=request.user)
        except (BillingError, PeriodError) as exc:
            raise ValidationError({"detail": str(exc)}) from None
        return Response({"corrections": [s.number for s in made]}, status=status.HTTP_200_OK)


class StatementSerializer(serializers.ModelSerializer):
    month = serializers.DateField(source="period.month", format="%Y-%m")
    ags = serializers.CharField(source="town.ags")
    corrects = serializers.CharField(source="corrects.number", default=None)

    class Meta:
        model = Statement
        fields = ["number", "month", "ags", "final", "corrects", "total", "value_of_time", "alone_total", "data",
                  "created_at"]


REPORT_PARAMS = [OpenApiParameter("period", str, required=True, description="YYYY-MM"),
                 OpenApiParameter("output", str, required=True, enum=list(FORMATS),
                                  description="pdf, xlsx, csv, xrechnung or umlage (not `format`: DRF reserves it)")]


def _report(month: str, fmt: str, town: Town | None) -> HttpResponse:
    try:
        content, name = render_report(parse_month(month), fmt, town)
    except (BillingError, PeriodError) as exc:
        raise ValidationError({"detail": str(exc)}) from None
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class StatementViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """County view (console host): every town's statements and reports."""

    serializer_class = StatementSerializer
    permission_classes = [CanManageBilling]
    queryset = Statement.objects.select_related("period", "town", "corrects").order_by("-period__month", "town__ags")

    def get_queryset(self):
        queryset = self.queryset
        params = self.request.query_params
        if params.get("period"):
            queryset = queryset.filter(period__month=parse_month(params["period"]))
        if params.get("town"):
            queryset = queryset.filter(town__ags=params["town"])
        return queryset

    @extend_schema(parameters=[*REPORT_PARAMS, OpenApiParameter("town", str, description="AGS; omit for the county")],
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def report(self, request):
        town = Town.objects.filter(ags=request.query_params.get("town", "")).first()
        return _report(request.query_params.get("period", ""), request.query_params.get("output", ""), town)


class TownStatementViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Town view (town host): only this town's statements."""

    serializer_class = StatementSerializer
    permission_classes = [IsTownFinance]

    def get_queryset(self):
        return Statement.objects.filter(town=self.request.tenant).select_related("period", "town", "corrects") \
            .order_by("-period__month", "-created_at")

    @extend_schema(parameters=REPORT_PARAMS, responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def report(self, request):
        return _report(request.query_params.get("period", ""), request.query_params.get("output", ""), request.tenant)
