"""Town API (at a town's host): catalogue with this town's prices, subscriptions, checklist, register."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import actions
from catalog.access import CHECKLIST_ROLES, MANAGE_ROLES, REGISTER_ROLES
from catalog.actions import CatalogError
from catalog.api.serializers import (
    CancelSerializer,
    CatalogueEntrySerializer,
    ChecklistConfirmSerializer,
    ChecklistEntrySerializer,
    RegisterEntrySerializer,
    SubscriptionSerializer,
)
from catalog.models import RegisterEntry, Service, Subscription
from catalog.pricing import cost_preview
from core.parsers import SafeJSONParser
from identity.authentication import IsTownMember
from tenants.access import has_town_role


def _need(request, *roles):
    if not has_town_role(request.user, request.tenant, *roles):
        raise PermissionDenied("Needs one of the roles: " + ", ".join(str(r) for r in roles))


def _run(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except CatalogError as error:
        raise ValidationError({"detail": str(error)}) from None


class CatalogueView(APIView):
    """``GET /api/v1/catalogue/``: services, offerings and what each would cost this town."""

    permission_classes = [IsTownMember]

    @extend_schema(responses=CatalogueEntrySerializer(many=True), operation_id="town_catalogue")
    def get(self, request):
        rows = []
        for service in Service.objects.filter(registered=True).prefetch_related("offerings"):
            offerings = []
            for offering in service.offerings.all():
                if not offering.available:
                    continue
                preview = cost_preview(offering, request.tenant)
                preview.participant_names = [t.name for t in preview.participants]
                offering.cost_preview = preview
                offerings.append(offering)
            rows.append({"service": service, "offerings": offerings})
        return Response(CatalogueEntrySerializer(rows, many=True).data)


class SubscriptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                          viewsets.GenericViewSet):
    permission_classes = [IsTownMember]
    serializer_class = SubscriptionSerializer
    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no town
            return Subscription.objects.none()
        return (Subscription.objects.filter(town=self.request.tenant)
                .select_related("offering__service", "town").prefetch_related("checklist").order_by("pk"))

    def create(self, request):
        _need(request, *MANAGE_ROLES)
        incoming = SubscriptionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        subscription = _run(actions.request_subscription, request.tenant, incoming.validated_data["offering"],
                            actor=request.user)
        return Response(SubscriptionSerializer(subscription).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ChecklistConfirmSerializer, responses=ChecklistEntrySerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def checklist(self, request, pk=None):
        subscription = self.get_object()
        if request.method == "POST":
            _need(request, *CHECKLIST_ROLES)
            incoming = ChecklistConfirmSerializer(data=request.data)
            incoming.is_valid(raise_exception=True)
            _run(actions.confirm_checklist_item, subscription, actor=request.user, **incoming.validated_data)
        return Response(ChecklistEntrySerializer(subscription.checklist.all(), many=True).data)

    @extend_schema(request=None, responses=SubscriptionSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        _need(request, *MANAGE_ROLES)
        subscription = _run(actions.activate_subscription, self.get_object(), actor=request.user)
        return Response(SubscriptionSerializer(self.get_queryset().get(pk=subscription.pk)).data)

    @extend_schema(request=None, responses=SubscriptionSerializer)
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk=None):
        _need(request, "dpo")
        _run(actions.sign_off_checklist, self.get_object(), actor=request.user, note=request.data.get("note", ""))
        return Response(SubscriptionSerializer(self.get_object()).data)

    @extend_schema(request=None, responses=SubscriptionSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw a request that is not active yet (also while it waits for the county's approval)."""
        _need(request, *MANAGE_ROLES)
        _run(actions.withdraw_subscription, self.get_object(), actor=request.user)
        return Response(SubscriptionSerializer(self.get_object()).data)

    @extend_schema(request=CancelSerializer, responses=SubscriptionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        _need(request, *MANAGE_ROLES)
        incoming = CancelSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        _run(actions.cancel_subscription, self.get_object(), ends_on=incoming.validated_data["ends_on"],
             actor=request.user)
        return Response(SubscriptionSerializer(self.get_object()).data)


class RegisterEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
                           viewsets.GenericViewSet):
    """The town's register entries (also unpublished drafts); the public document is /ki-register.json."""

    permission_classes = [IsTownMember]
    serializer_class = RegisterEntrySerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RegisterEntry.objects.none()
        return (RegisterEntry.objects.filter(town=self.request.tenant)
                .select_related("subscription__offering__service").order_by("pk"))

    def partial_update(self, request, pk=None):
        _need(request, *REGISTER_ROLES)
        entry = self.get_object()
        texts = request.data.get("texts")
        if not isinstance(texts, dict):
            raise ValidationError({"texts": "An object of texts is required."})
        entry = _run(actions.update_register_entry, entry, texts, actor=request.user)
        return Response(RegisterEntrySerializer(entry).data)
