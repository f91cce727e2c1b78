from django.http import JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from kiverbund.sso.authentication import IsTownMember


def echo_page(request):
    return JsonResponse({"echo": request.GET.get("q", ""), "town": request.tenant.slug})


class EchoAPIView(APIView):
    permission_classes = [IsTownMember]

    @extend_schema(exclude=True)  # test-only: never part of the committed schema
    def get(self, request):
        return Response({"echo": request.query_params.get("q", ""), "town": request.tenant.slug})
