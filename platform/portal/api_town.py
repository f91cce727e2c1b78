"""Town API at a town's host: who the caller is and the town's public facts."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.principals import ServicePrincipal
from identity.authentication import IsTownMember
from tenants.access import is_platform_admin, town_roles
from tenants.models import Town


class TownFactsSerializer(serializers.ModelSerializer):
    host = serializers.CharField(read_only=True)

    class Meta:
        model = Town
        fields = ["name", "ags", "host", "population", "status"]


class CallerSerializer(serializers.Serializer):
    principal = serializers.CharField(help_text="Username, or service-account:<client id> for machines.")
    kind = serializers.ChoiceField(choices=["person", "service_account"])
    roles = serializers.ListField(child=serializers.CharField(), help_text="The caller's roles in this town.")


class TownInfoSerializer(serializers.Serializer):
    town = TownFactsSerializer()
    caller = CallerSerializer()


class TownInfoView(APIView):
    """``GET /api/v1/town/``: the town of this host and the caller's roles there."""

    permission_classes = [IsTownMember]

    @extend_schema(responses=TownInfoSerializer, operation_id="town_info")
    def get(self, request):
        town, user = request.tenant, request.user
        roles = town_roles(user, town)
        if is_platform_admin(user):
            roles = roles | {"platform_admin"}
        caller = {
            "principal": user.get_username(),
            "kind": "service_account" if isinstance(user, ServicePrincipal) else "person",
            "roles": sorted(roles),
        }
        # Built by hand: machines poll this, and building the serializers' fields cost more than the
        # rest of the request (TownInfoSerializer describes the same fields for the schema).
        facts = {"name": town.name, "ags": town.ags, "host": town.host, "population": town.population,
                 "status": town.status}
        return Response({"town": facts, "caller": caller})
