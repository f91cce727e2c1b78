"""GeoJSON for the map (WGS 84): segments coloured by grade, detections, work orders; optional bbox filter."""

from __future__ import annotations

from django.utils.translation import gettext as _

from services.roads.grading import band
from services.roads.models import DamageClass, Detection, Segment, WorkOrder


class BadBBox(ValueError):
    pass


def parse_bbox(text: str | None):
    if not text:
        return None
    try:
        x1, y1, x2, y2 = (float(v) for v in text.split(","))
    except ValueError:
        raise BadBBox(_("bbox must be min_lon,min_lat,max_lon,max_lat")) from None
    if not (-180 <= x1 < x2 <= 180 and -90 <= y1 < y2 <= 90):
        raise BadBBox(_("bbox must be min_lon,min_lat,max_lon,max_lat"))
    return x1, y1, x2, y2


def _in_bbox(queryset, bbox, *, box_column=None):
    if bbox is None:
        return queryset
    if box_column:
        # PostgreSQL's box overlap, answered by the GiST index.
        return queryset.extra(where=[f"{box_column} && box(point(%s, %s), point(%s, %s))"], params=list(bbox))
    x1, y1, x2, y2 = bbox
    return queryset.filter(lon__gte=x1, lon__lte=x2, lat__gte=y1, lat__lte=y2)


def segments(bbox=None) -> dict:
    rows = _in_bbox(Segment.objects.filter(active=True), bbox, box_column="roads_segment.bbox").values_list(
        "id", "name", "highway", "length_m", "grade", "coords")
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": i, "geometry": {"type": "LineString", "coordinates": coords},
         "properties": {"id": i, "name": name, "class": highway, "length_m": length, "grade": grade,
                        "band": band(grade)}}
        for i, name, highway, length, grade, coords in rows]}


def detections(bbox=None, status: str | None = None, limit: int = 5000) -> dict:
    queryset = _in_bbox(Detection.objects.all(), bbox)
    if status:
        queryset = queryset.filter(status=status)
    rows = queryset.order_by("-id")[:limit].values_list("id", "external_id", "damage_class", "suggested_class",
                                                         "confidence", "status", "segment_id", "lon", "lat")
    labels = dict(DamageClass.choices)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": i, "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {"id": external, "pk": i, "class": cls, "label": str(labels[cls]), "suggested_class": sug,
                        "confidence": conf, "status": status, "segment_id": seg}}
        for i, external, cls, sug, conf, status, seg, lon, lat in rows]}


def work_orders(bbox=None) -> dict:
    rows = _in_bbox(WorkOrder.objects.filter(status=WorkOrder.Status.OPEN), bbox).values_list(
        "number", "title", "due_on", "lon", "lat")
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": n, "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {"number": n, "title": title, "due_on": due.isoformat()}}
        for n, title, due, lon, lat in rows]}
