"""The OpenAPI schema says what the server really sends, errors included.

Every operation can answer 400 (a malformed request; validation errors name
their fields), 401 (no or a bad token, where authentication is needed), 403
and 404 (DRF's ``{"detail": …}``), 415 where a body of an unsupported media type
arrives, and 429 where a throttle applies; the
generated schema lists them, so clients and the schemathesis run in the tests
hold the server to it.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        extra = {"400": OpenApiTypes.OBJECT, "403": ErrorSerializer, "404": ErrorSerializer}
        if self.view.get_authenticators() and not getattr(self.view, "town_public", False):
            extra["401"] = ErrorSerializer
        if self.method in ("POST", "PUT", "PATCH"):
            extra["415"] = ErrorSerializer
        if self.view.get_throttles():
            extra["429"] = ErrorSerializer
        for code, schema in extra.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(schema, code)
        return dict(sorted(responses.items()))
