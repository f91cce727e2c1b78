"""Usage reports from machines: ``POST /api/v1/usage/`` at the town's host, by the town's service account."""

from __future__ import annotations

from django.db import connection, transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.metering import UsageConflict, UsageError, check_report, record_usage
from identity.authentication import IsTownMember
from tenants.access import service_town


class IsServiceAccount(permissions.BasePermission):
    message = "Usage is reported by the town's service account (client credentials), not by people."

    def has_permission(self, request, view):
        return service_town(request.user) is not None


class UsageReportSerializer(serializers.Serializer):
    service = serializers.SlugField(max_length=50)
    unit = serializers.SlugField(max_length=50)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    occurred_at = serializers.DateTimeField()
    idempotency_key = serializers.CharField(max_length=200, required=False,
                                            help_text="Alternatively the Idempotency-Key header.")


class UsageEventSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    service = serializers.CharField()
    unit = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    occurred_at = serializers.DateTimeField()
    idempotency_key = serializers.CharField()
    recorded_at = serializers.DateTimeField()


def _already_recorded(town, service: str, key: str) -> bool:
    """A retry of a report that was accepted: answered as before, even if its month has closed since."""
    from billing.models import UsageEvent

    return UsageEvent.objects.filter(town=town, service=service, idempotency_key=key).exists()


class UsageReportView(APIView):
    permission_classes = [IsTownMember, IsServiceAccount]

    @extend_schema(
        request=UsageReportSerializer, responses={201: UsageEventSerializer, 200: UsageEventSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    def post(self, request):
        incoming = UsageReportSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        key = request.headers.get("Idempotency-Key") or data.get("idempotency_key")
        if not key:
            return Response({"detail": "An Idempotency-Key header (or idempotency_key field) is required."},
                            status=status.HTTP_400_BAD_REQUEST)
        try:
            with transaction.atomic():
                # Reports of one town, service and unit wait for each other: the month's bound holds
                # under concurrent reports.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                                   [f"usage:{request.tenant.pk}:{data['service']}:{data['unit']}"])
                already = _already_recorded(request.tenant, data["service"], key)
                if not already:
                    check_report(request.tenant, data["service"], data["unit"], data["quantity"],
                                 data["occurred_at"])
                recorded = record_usage(request.tenant, data["service"], data["unit"], data["quantity"], key,
                                        data["occurred_at"], source=request.user.get_username())
        except UsageConflict as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except UsageError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(UsageEventSerializer(recorded.event).data,
                        status=status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK)
