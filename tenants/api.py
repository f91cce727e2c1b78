"""Operator API for towns: list, show, onboard (the same action as CLI and console)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tenants.access import is_platform_admin
from tenants.actions import TownData, TownError, onboard_town
from tenants.models import Town


class IsPlatformAdmin(permissions.BasePermission):
    def has_permission(self, request, view):
        return is_platform_admin(request.user)


class TownSerializer(serializers.ModelSerializer):
    host = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True)

    class Meta:
        model = Town
        fields = ["ags", "name", "slug", "host", "url", "land", "kreis", "kreis_name", "population",
                  "population_date", "leitweg_id", "contact_name", "contact_email", "contact_phone", "street",
                  "postcode", "city", "status", "created_at"]
        read_only_fields = ["slug", "land", "kreis", "status", "created_at"]


class OnboardTownSerializer(serializers.Serializer):
    ags = serializers.CharField(max_length=8)
    name = serializers.CharField(max_length=100)
    population = serializers.IntegerField(min_value=0)
    population_date = serializers.DateField(required=False)
    kreis = serializers.CharField(max_length=5, required=False)
    kreis_name = serializers.CharField(max_length=100, required=False, default="")
    land = serializers.CharField(max_length=40, required=False)
    leitweg_id = serializers.CharField(max_length=46, required=False, default="")
    contact_name = serializers.CharField(max_length=200, required=False, default="")
    contact_email = serializers.EmailField(required=False, default="")
    street = serializers.CharField(max_length=200, required=False, default="",
                                   help_text="Postal address for invoices: street and number.")
    postcode = serializers.RegexField(r"^\d{5}$", required=False, default="", allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, default="")
    slug = serializers.CharField(max_length=63, required=False)
    activate = serializers.BooleanField(required=False, default=False)


class TownViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TownSerializer
    permission_classes = [IsPlatformAdmin]
    lookup_field = "ags"
    queryset = Town.objects.order_by("name")

    @extend_schema(request=OnboardTownSerializer, responses={201: TownSerializer, 200: TownSerializer})
    def create(self, request):
        incoming = OnboardTownSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        values = dict(incoming.validated_data)
        activate = values.pop("activate")
        try:
            town, created = onboard_town(TownData(**values), actor=request.user, activate=activate)
        except TownError as exc:
            raise ValidationError({"detail": str(exc)}) from None
        return Response(TownSerializer(town).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
