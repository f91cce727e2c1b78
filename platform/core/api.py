"""What every API view shares: typed errors as answers, whitelisted query filters.

``exception_handler`` (REST_FRAMEWORK's EXCEPTION_HANDLER) answers a ``core.errors.PlatformError``
with its status and ``{"detail": message}``: views never catch an error to look at its text.
``QueryFilters`` validates a list's query parameters against a serializer: a malformed value or a
parameter the view does not know is a 400 that names it, never a 500 or a silently ignored filter.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import PlatformError, UpstreamUnavailable

# Query parameters of pagination and format negotiation, allowed on every list.
GENERAL_PARAMETERS = frozenset({"limit", "offset", "format"})


def exception_handler(exc, context):
    if isinstance(exc, PlatformError):
        response = Response({"detail": str(exc)}, status=exc.status)
        if isinstance(exc, UpstreamUnavailable):
            response["Retry-After"] = "30"
        return response
    return drf_exception_handler(exc, context)


class QueryFilters:
    """Mixed into list views: ``filter_serializer`` names and checks the query parameters they accept."""

    filter_serializer: type[serializers.Serializer] | None = None

    def filters(self, serializer: type[serializers.Serializer] | None = None) -> dict:
        serializer = serializer or self.filter_serializer
        params = self.request.query_params
        allowed = set(serializer().fields) if serializer else set()
        unknown = sorted(set(params) - allowed - GENERAL_PARAMETERS)
        if unknown:
            raise ValidationError({name: [_("Unknown filter; allowed: %(allowed)s.") % {
                "allowed": ", ".join(sorted(allowed)) or "–"}] for name in unknown})
        if serializer is None:
            return {}
        checked = serializer(data={key: params.get(key) for key in params if key in allowed})
        checked.is_valid(raise_exception=True)
        return {key: value for key, value in checked.validated_data.items() if value not in (None, "")}
