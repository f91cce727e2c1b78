"""Import a vendor's detections, and mark damage by hand."""

from __future__ import annotations

from contextlib import contextmanager
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
    Rows are matched to the network on the way in, as the drives they come from, and written with one COPY.
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


COLUMNS = ("external_id", "survey_id", "image_ref", "suggested_class", "damage_class", "confidence", "lat", "lon",
           "heading", "captured_at", "width_m", "segment_id", "match_distance_m", "source", "status", "hazard",
           "decided_by", "decision_note", "matched_import_id", "created_at")
COLUMN_TYPES = ("varchar", "int8", "varchar", "varchar", "varchar", "float8", "float8", "float8", "float8",
                "timestamptz", "float8", "int8", "float8", "varchar", "varchar", "bool", "varchar", "text", "int4",
                "timestamptz")


def _insert_matched(rows: list[DetectionRow], survey_ids: dict[str, int], survey_name: str, source: str) -> int:
    """Match the new rows as the drives they come from and write them with one COPY.

    Rows whose id is already stored are left out first (under a lock, so two imports of the same
    file cannot both find an id missing).
    """
    import numpy as np

    from services.roads import conf
    from services.roads.actions.grading import latest_import_id, network_matcher

    if not rows:
        return 0
    table = Detection._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.roads_detection_import'))")
        # One array literal, not a list psycopg adapts element by element in Python.
        cursor.execute(f"SELECT external_id FROM {table} WHERE external_id = ANY(%s::varchar[])",
                       [array_literal(r.external_id for r in rows)])
        stored = {external_id for (external_id,) in cursor.fetchall()}
    if stored:
        rows = [r for r in rows if r.external_id not in stored]
    if not rows:
        return 0
    matcher, _ids, _area = network_matcher()
    count = len(rows)
    lon = np.array([r.lon for r in rows], dtype=float)
    lat = np.array([r.lat for r in rows], dtype=float)
    heading = np.array([r.heading for r in rows], dtype=float)  # None becomes nan
    time_s = np.array([r.captured_at.timestamp() for r in rows], dtype=float)
    segment, distance = matcher.match_drives(lon, lat, heading, time_s, drive_labels(rows), conf.MATCH_TOLERANCE_M)
    network = latest_import_id()
    now = timezone.now()
    segment_ids = [None if v < 0 else v for v in segment.tolist()]
    distances = [None if v != v else round(v, 2) for v in distance.tolist()]
    suggested = str(Detection.Status.SUGGESTED)
    survey_of = ([survey_ids[survey_name]] * count if survey_name
                 else [survey_ids[str(r.captured_at.year)] for r in rows])
    with connection.cursor() as cursor, _foreign_keys_checked_once(cursor.cursor, table, count):
        # Binary COPY: psycopg writes each row in C, no text to format and parse.
        with cursor.cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(COLUMN_TYPES)
            write = copy.write_row
            for r, survey_id, segment_id, match_distance in zip(rows, survey_of, segment_ids, distances, strict=True):
                write((r.external_id, survey_id, r.image, r.damage_class, r.damage_class, r.confidence, r.lat, r.lon,
                       r.heading, r.captured_at, r.width_m, segment_id, match_distance, source, suggested, False, "",
                       "", network, now))
    return count


# From this many rows on, the foreign keys are checked once for the whole table instead of row by row.
BULK_ROWS = 20_000


@contextmanager
def _foreign_keys_checked_once(cursor, table: str, count: int):
    """PostgreSQL checks a foreign key with one query per inserted row (here at commit, as Django's
    constraints are deferred): for 100,000 rows most of an import's time. For large imports the
    constraints are dropped and added again with the same definition in the same transaction, which
    checks every row with one join ("Populating a Database" in PostgreSQL's manual). Readers of the
    table wait for the import's commit meanwhile; nobody ever sees the table without its constraints."""
    if count < BULK_ROWS:
        yield
        return
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname", [table])
    constraints = cursor.fetchall()
    if not constraints:
        yield
        return
    # ALTER TABLE refuses while deferred checks of this transaction are pending: run them now (Django's
    # foreign keys are all deferred, so that is where they go back to afterwards).
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(f"ALTER TABLE {table} " + ", ".join(f'DROP CONSTRAINT "{name}"' for name, _d in constraints))
    yield
    cursor.execute(f"ALTER TABLE {table} " + ", ".join(f'ADD CONSTRAINT "{name}" {definition}'
                                                        for name, definition in constraints))
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def array_literal(values) -> str:
    """A PostgreSQL array literal of the strings (each quoted, backslashes and quotes escaped)."""
    values = list(values)
    joined = '","'.join(values)
    if "\\" in joined or '"' in joined:
        joined = '","'.join(v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return '{"' + joined + '"}' if values else "{}"



def drive_labels(rows) -> list[int] | None:
    """Rows naming their drive (a vendor's trip or vehicle) keep drives apart; else time and jumps do."""
    if not any(r.drive for r in rows):
        return None
    labels: dict[str, int] = {}
    return [labels.setdefault(r.drive, len(labels)) for r in rows]
