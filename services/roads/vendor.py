"""Reading a vendor's detections: CSV (lat, lon, class, confidence, captured_at, optional id, heading,
image, width_m, drive) or GeoJSON points with the same properties. Every row is checked; errors name the row."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
from dataclasses import dataclass

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core import uploads
from services.roads.models import DamageClass

CLASSES = {c.value for c in DamageClass}
REQUIRED = ("lat", "lon", "class", "confidence", "captured_at")


class DetectionFileError(ValueError):
    pass


@dataclass
class DetectionRow:
    external_id: str
    damage_class: str
    confidence: float
    lat: float
    lon: float
    captured_at: dt.datetime
    heading: float | None = None
    image: str = ""
    width_m: float | None = None
    drive: str = ""  # the vendor's trip or vehicle, when the file names it


@dataclass
class RowError:
    row: int
    external_id: str
    message: str


def read_detections(data: bytes, filename: str) -> tuple[list[DetectionRow], list[RowError]]:
    """Read within the platform's upload limits (core.uploads), with the road service's own size and row limits."""
    from services.roads import conf

    name = filename.lower()
    if not data.strip():
        raise DetectionFileError(_("The file %(name)s is empty.") % {"name": filename})
    limit = uploads.limits(max_bytes=conf.MAX_DETECTION_BYTES, max_rows=conf.MAX_DETECTION_ROWS)
    try:
        uploads.check_size(data, limit)
        if name.endswith(".csv"):
            records = _csv_records(data, limit)
        elif name.endswith((".geojson", ".json")):
            records = _geojson_records(data, limit)
        else:
            raise DetectionFileError(_("%(name)s is neither CSV nor GeoJSON.") % {"name": filename})
    except uploads.UploadRejected as error:
        raise DetectionFileError(str(error)) from None
    rows, errors = [], []
    seen: set[str] = set()
    for number, record in records:
        try:
            row = _row(record)
        except ValueError as error:
            errors.append(RowError(number, str(record.get("id") or ""), str(error)))
            continue
        if row.external_id in seen:
            errors.append(RowError(number, row.external_id, _("The id appears twice in the file.")))
            continue
        seen.add(row.external_id)
        rows.append(row)
    if not rows and not errors:
        raise DetectionFileError(_("The file %(name)s contains no detections.") % {"name": filename})
    return rows, errors


def _csv_records(data: bytes, limit: uploads.Limits) -> list[tuple[int, dict]]:
    text = uploads.decode_text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    header = {(h or "").strip().lower() for h in next(csv.reader([text.split("\n", 1)[0]], dialect), [])}
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DetectionFileError(_("The CSV file lacks the columns %(columns)s.") % {"columns": ", ".join(missing)})
    return [(number, {k: (v or "").strip() for k, v in record.items() if k})
            for number, record in uploads.read_delimited(text, dialect, limit, numbered=True)]


def _geojson_records(data: bytes, limit: uploads.Limits):
    doc = uploads.load_json(data, limit)
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise DetectionFileError(_("The GeoJSON file must be a FeatureCollection."))
    if len(doc["features"]) > limit.max_rows:
        raise DetectionFileError(_("The file has more than %(limit)s rows; please split it.")
                                 % {"limit": limit.max_rows})
    return _features(doc)


def _features(doc):
    for number, feature in enumerate(doc["features"], start=1):
        feature = feature if isinstance(feature, dict) else {}
        props = dict(feature.get("properties") or {})
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "Point" and isinstance(geometry.get("coordinates"), list | tuple):
            coordinates = geometry["coordinates"]
            if len(coordinates) >= 2:
                props.setdefault("lon", coordinates[0])
                props.setdefault("lat", coordinates[1])
        if feature.get("id") is not None:
            props.setdefault("id", feature["id"])
        yield number, {str(k).lower(): v for k, v in props.items()}


def _number(record, key, low, high, *, required=True):
    value = record.get(key)
    if value in (None, ""):
        if required:
            raise ValueError(_("%(field)s is missing.") % {"field": key})
        return None
    try:
        number = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise ValueError(_("%(field)s is not a number: %(value)s") % {"field": key, "value": value}) from None
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(_("%(field)s must lie between %(low)s and %(high)s.") % {"field": key, "low": low,
                                                                                   "high": high})
    return number


def _row(record: dict) -> DetectionRow:
    lat = _number(record, "lat", -90, 90)
    lon = _number(record, "lon", -180, 180)
    damage_class = str(record.get("class") or "").strip().upper()
    if damage_class not in CLASSES:
        raise ValueError(_("Unknown damage class %(value)s (expected D00, D10, D20 or D40).")
                         % {"value": record.get("class")})
    confidence = _number(record, "confidence", 0, 1)
    raw_time = record.get("captured_at")
    captured_at = parse_datetime(str(raw_time or "").strip().replace(" ", "T", 1))
    if captured_at is None:
        raise ValueError(_("captured_at is not a date and time (ISO 8601): %(value)s") % {"value": raw_time})
    if timezone.is_naive(captured_at):
        captured_at = timezone.make_aware(captured_at)
    heading = _number(record, "heading", 0, 360, required=False)
    width = _number(record, "width_m", 0, 60, required=False)
    external_id = str(record.get("id") or "").strip()[:100]
    if not external_id:
        # Without an id, the same row imported twice must still be the same detection.
        digest = hashlib.sha256(f"{lat:.7f}|{lon:.7f}|{damage_class}|{captured_at.isoformat()}".encode()).hexdigest()
        external_id = f"import-{digest[:20]}"
    return DetectionRow(external_id=external_id, damage_class=damage_class, confidence=confidence, lat=lat, lon=lon,
                        captured_at=captured_at, heading=heading, image=str(record.get("image") or "")[:255],
                        width_m=width, drive=str(record.get("drive") or "").strip()[:100])
