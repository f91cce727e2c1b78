from django.http import JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView


def echo_page(request):
    return JsonResponse({"echo": request.GET.get("q", ""), "town": request.tenant.slug})


class EchoAPIView(APIView):
    """No permission of its own: the default (identity.authentication.ClosedByDefault) admits members."""

    @extend_schema(exclude=True)  # test-only: never part of the committed schema
    def get(self, request):
        return Response({"echo": request.query_params.get("q", ""), "town": request.tenant.slug})
