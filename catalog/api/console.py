"""Console API (platform domain): services, offerings, all subscriptions and approvals, county register."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import register
from catalog.actions import CatalogError, approve_subscription, save_offering
from catalog.actions.catalogue import OFFERING_FIELDS
from catalog.api.serializers import (
    OfferingSerializer,
    RegisterDocumentSerializer,
    ServiceSerializer,
    SubscriptionSerializer,
)
from catalog.models import Offering, Service, Subscription
from tenants.api import IsPlatformAdmin


class ServiceViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsPlatformAdmin]
    serializer_class = ServiceSerializer
    lookup_field = "key"
    queryset = Service.objects.order_by("key")


class OfferingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      mixins.UpdateModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsPlatformAdmin]
    serializer_class = OfferingSerializer
    queryset = Offering.objects.select_related("service").order_by("pk")
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _save(self, serializer, offering=None):
        values = {k: v for k, v in serializer.validated_data.items() if k in OFFERING_FIELDS}
        try:
            return save_offering(values, actor=self.request.user, offering=offering,
                                 service=serializer.validated_data.get("service"))
        except CatalogError as error:
            raise ValidationError({"detail": str(error)}) from None

    def create(self, request):
        serializer = OfferingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(OfferingSerializer(self._save(serializer)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        offering = self.get_object()
        serializer = OfferingSerializer(offering, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return Response(OfferingSerializer(self._save(serializer, offering)).data)


class CountySubscriptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsPlatformAdmin]
    serializer_class = SubscriptionSerializer
    queryset = Subscription.objects.select_related("offering__service", "town").prefetch_related(
        "checklist").order_by("pk")

    @extend_schema(request=None, responses=SubscriptionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        try:
            approve_subscription(self.get_object(), actor=request.user)
        except CatalogError as error:
            raise ValidationError({"detail": str(error)}) from None
        return Response(SubscriptionSerializer(self.get_object()).data)


class CountyRegisterView(APIView):
    """``GET /api/v1/county/register/``: every town's published KI-Register entries."""

    permission_classes = [IsPlatformAdmin]

    @extend_schema(responses=RegisterDocumentSerializer, operation_id="county_register")
    def get(self, request):
        return Response(register.document())
