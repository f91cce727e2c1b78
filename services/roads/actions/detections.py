"""Import a vendor's detections, and mark damage by hand."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from kiverbund.audit.log import log_action
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
    """
    report = DetectionImport(errors=list(errors))
    if report.errors:
        return report
    with transaction.atomic():
        known = set(Detection.objects.filter(external_id__in=[r.external_id for r in rows])
                    .values_list("external_id", flat=True))
        surveys: dict[str, Survey] = {}
        new = []
        for row in rows:
            if row.external_id in known:
                report.unchanged += 1
                continue
            name = survey_name or str(row.captured_at.year)
            if name not in surveys:
                surveys[name] = survey_named(name)
            new.append(Detection(external_id=row.external_id, survey=surveys[name], source=source,
                                 suggested_class=row.damage_class, damage_class=row.damage_class,
                                 confidence=row.confidence, lat=row.lat, lon=row.lon, heading=row.heading,
                                 captured_at=row.captured_at, width_m=row.width_m, image_ref=row.image))
        Detection.objects.bulk_create(new, batch_size=5000)
        report.created = len(new)
        log_action("roads.detections.imported", actor=actor, town=town, file=filename[:255], created=report.created,
                   unchanged=report.unchanged, surveys=sorted(surveys))
        if new:
            from services.roads.tasks import enqueue_grading

            enqueue_grading()
    return report
