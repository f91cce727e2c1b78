"""Import a vendor's detections, and mark damage by hand."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from core.audit.log import log_action
from services.roads.models import Detection, Survey
from services.roads.vendor import DetectionRow, RowError


@dataclass
class DetectionImport:
    created: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def survey_named(name: str) -> Survey:
    return Survey.objects.get_or_create(name=name.strip()[:100])[0]


def import_detections(rows: list[DetectionRow], errors: list[RowError], *, actor, town, survey_name: str = "",
                      source: str = Detection.Source.VENDOR, filename: str = "") -> DetectionImport:
    """All rows or none: with any row error nothing is written and the report lists the errors.

    A detection already imported (same id) is left as it is: its suggestion and any decision on it stay.
    Rows are matched to the network on the way in and written with one COPY and one INSERT … ON CONFLICT.
    """
    report = DetectionImport(errors=list(errors))
    if report.errors:
        return report
    with transaction.atomic():
        surveys: dict[str, Survey] = {}
        for row in rows:
            name = survey_name or str(row.captured_at.year)
            if name not in surveys:
                surveys[name] = survey_named(name)
        report.created = _insert_matched(rows, {n: s.pk for n, s in surveys.items()}, survey_name, source)
        report.unchanged = len(rows) - report.created
        log_action("roads.detections.imported", actor=actor, town=town, file=filename[:255], created=report.created,
                   unchanged=report.unchanged, surveys=sorted(surveys))
        if report.created:
            from services.roads.actions.jobs import enqueue_grading

            enqueue_grading()
    return report


COLUMNS = ("external_id", "survey_id", "source", "image_ref", "suggested_class", "damage_class", "confidence",
           "lat", "lon", "heading", "captured_at", "width_m", "status", "hazard", "decided_by", "decision_note",
           "segment_id", "match_distance_m", "matched_import_id", "created_at")


def _insert_matched(rows: list[DetectionRow], survey_ids: dict[str, int], survey_name: str, source: str) -> int:
    import numpy as np

    from services.roads import conf
    from services.roads.actions.grading import copy_rows, latest_import_id, network_matcher

    if not rows:
        return 0
    matcher, _ids, _area = network_matcher()
    segment, distance = matcher.match([r.lon for r in rows], [r.lat for r in rows],
                                      [np.nan if r.heading is None else r.heading for r in rows],
                                      conf.MATCH_TOLERANCE_M)
    network = latest_import_id()
    now = timezone.now().isoformat()
    table = Detection._meta.db_table
    columns = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE roads_incoming ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA")
        copy_rows(cursor.cursor, "roads_incoming", columns, (
            (r.external_id, survey_ids[survey_name or str(r.captured_at.year)], source, r.image, r.damage_class,
             r.damage_class, r.confidence, r.lat, r.lon, r.heading, r.captured_at.isoformat(), r.width_m,
             Detection.Status.SUGGESTED, "f", "", "", None if s < 0 else int(s),
             None if np.isnan(m) else round(float(m), 2), network, now)
            for r, s, m in zip(rows, segment, distance, strict=True)))
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM roads_incoming "
                       "ON CONFLICT (external_id) DO NOTHING")
        created = cursor.rowcount
        cursor.execute("DROP TABLE roads_incoming")
    return created
