"""GIS export of segments and detections: GeoJSON or CSV, in EPSG:4326 or EPSG:25832.

GeoJSON in EPSG:25832 carries the (pre-RFC 7946) ``crs`` member that QGIS and GDAL read;
CSV has x/y columns for points and a WKT column for lines (QGIS "delimited text" layer).
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
from django.db import connection

from core.cells import SafeWriter, neutralise
from services.roads import geo
from services.roads.models import Detection, Segment

LAYERS = ("segments", "detections")
FORMATS = {"geojson": "application/geo+json", "csv": "text/csv"}
CRS = (4326, 25832)

SEGMENT_FIELDS = ("id", "osm_way_id", "name", "class", "length_m", "width_m", "grade", "key")
DETECTION_FIELDS = ("id", "class", "suggested_class", "confidence", "segment_id", "status", "captured_at", "source",
                    "hazard")


class ExportError(ValueError):
    pass


def _project(lon, lat, crs: int):
    if crs == 4326:
        return np.round(np.asarray(lon, dtype=float), 8), np.round(np.asarray(lat, dtype=float), 8)
    x, y = geo.to_metric(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.round(x, 3), np.round(y, 3)


def segment_records(queryset=None):
    queryset = queryset if queryset is not None else Segment.objects.filter(active=True)
    for s in queryset.order_by("id").values_list("id", "osm_way_id", "name", "highway", "length_m", "width_m",
                                                 "grade", "key", "coords"):
        yield dict(zip(SEGMENT_FIELDS, s[:8], strict=True)), s[8]


def detection_records():
    # PostgreSQL writes the time as ISO 8601 text: parsing 100,000 timestamps into Python only to print them
    # again took longer than the rest of the export.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT external_id, damage_class, suggested_class, confidence, segment_id, status, "
                       f"to_json(captured_at) #>> '{{}}', source, hazard, lon, lat "
                       f"FROM {Detection._meta.db_table} ORDER BY id")
        for d in cursor.fetchall():
            yield dict(zip(DETECTION_FIELDS, d[:9], strict=True)), (d[9], d[10])


def export(layer: str, fmt: str, crs: int) -> str:
    if layer not in LAYERS:
        raise ExportError(f"unknown layer {layer!r} (segments or detections)")
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (geojson or csv)")
    if crs not in CRS:
        raise ExportError(f"unknown CRS {crs!r} (4326 or 25832)")
    if layer == "segments":
        records = list(segment_records())
        geometries = []
        for _props, coords in records:
            arr = np.asarray(coords, dtype=float)
            x, y = _project(arr[:, 0], arr[:, 1], crs)
            geometries.append({"type": "LineString", "coordinates": np.column_stack([x, y]).tolist()})
    else:
        records = list(detection_records())
        if records:
            points = np.asarray([r[1] for r in records], dtype=float)
            x, y = _project(points[:, 0], points[:, 1], crs)
        else:
            x = y = []
        geometries = [{"type": "Point", "coordinates": [float(a), float(b)]} for a, b in zip(x, y, strict=True)]
    if fmt == "geojson":
        return _geojson([r[0] for r in records], geometries, crs, layer)
    return _csv([r[0] for r in records], geometries, crs, layer)


def _geojson(properties, geometries, crs: int, layer: str) -> str:
    doc = {"type": "FeatureCollection", "name": layer}
    if crs != 4326:
        doc["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{crs}"}}
    doc["features"] = [{"type": "Feature", "id": p["id"], "properties": p, "geometry": g}
                       for p, g in zip(properties, geometries, strict=True)]
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def _csv(properties, geometries, crs: int, layer: str) -> str:
    out = io.StringIO()
    # Vendors' ids and OSM names are text from outside: no cell may run as a spreadsheet formula.
    writer = SafeWriter(out)
    fields = list(SEGMENT_FIELDS if layer == "segments" else DETECTION_FIELDS)
    if layer == "segments":
        writer.writerow([*fields, "wkt"])
        for p, g in zip(properties, geometries, strict=True):
            wkt = "LINESTRING (" + ", ".join(f"{x} {y}" for x, y in g["coordinates"]) + ")"
            writer.writerow([*(("" if p[f] is None else p[f]) for f in fields), wkt])
    else:
        # Only the vendor's id is text from outside; the other columns are the service's own values.
        plain = csv.writer(out)
        writer.writerow([*fields, "x", "y"])
        for p, g in zip(properties, geometries, strict=True):
            plain.writerow([neutralise(p["id"]), *(("" if p[f] is None else p[f]) for f in fields[1:]),
                            *g["coordinates"]])
    return out.getvalue()
