"""Usage reports from machines: ``POST /api/v1/usage/`` at the town's host, by the town's service account."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.metering import UsageConflict, UsageError, record_usage
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
            recorded = record_usage(request.tenant, data["service"], data["unit"], data["quantity"], key,
                                    data["occurred_at"], source=request.user.get_username())
        except UsageConflict as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except UsageError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(UsageEventSerializer(recorded.event).data,
                        status=status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK)
