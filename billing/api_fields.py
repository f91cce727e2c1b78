"""Fields of the billing API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.periods import PeriodError, parse_month


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "example": "2026-11",
                      "description": "A month as YYYY-MM"})
class MonthField(serializers.Field):
    """A billing month (the first day of it) written as ``YYYY-MM``."""

    def to_representation(self, value):
        return f"{value:%Y-%m}"

    def to_internal_value(self, data):
        try:
            return parse_month(data)
        except PeriodError as exc:
            raise serializers.ValidationError(str(exc)) from None
