"""PostgreSQL's own geometric ``box`` type as a Django field (no PostGIS needed).

A segment's bounding box in WGS 84 degrees; a GiST index on it answers "what lies
in this map view" (``bbox && box(...)``) without an extension.
"""

from __future__ import annotations

import re

from django.db import models

_NUMBER = r"(-?[0-9.eE+-]+)"
_BOX = re.compile(rf"\(\s*{_NUMBER}\s*,\s*{_NUMBER}\s*\)\s*,\s*\(\s*{_NUMBER}\s*,\s*{_NUMBER}\s*\)")


class BoxField(models.Field):
    """A (min_lon, min_lat, max_lon, max_lat) tuple stored as ``box``."""

    description = "PostgreSQL box"

    def db_type(self, connection):
        return "box"

    def from_db_value(self, value, expression, connection):
        return self.to_python(value)

    def to_python(self, value):
        if value is None or isinstance(value, tuple):
            return value
        if isinstance(value, list):
            return tuple(value)
        match = _BOX.fullmatch(value.strip())
        if not match:
            raise ValueError(f"not a box: {value!r}")
        x1, y1, x2, y2 = (float(v) for v in match.groups())
        return (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))

    def get_prep_value(self, value):
        if value is None:
            return None
        x1, y1, x2, y2 = self.to_python(value)
        return f"(({x1!r},{y1!r}),({x2!r},{y2!r}))"
