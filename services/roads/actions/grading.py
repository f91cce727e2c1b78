"""Match detections, captures and tracks to segments and grade every segment, per survey."""

from __future__ import annotations

import io

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from core.audit.log import log_action
from services.roads import conf, geo, grading
from services.roads.matching import Matcher
from services.roads.models import Capture, Job, Segment, SegmentGrade, Survey, Track


def network_matcher() -> tuple[Matcher, np.ndarray, np.ndarray]:
    rows = list(Segment.objects.filter(active=True).order_by("id").values_list("id", "coords", "length_m", "width_m"))
    matcher = Matcher((r[0] for r in rows), (r[1] for r in rows), (r[3] for r in rows))
    area = np.array([r[2] * (r[3] or 5.0) for r in rows], dtype=float)
    return matcher, matcher.ids, area


def copy_rows(cursor, table: str, columns: str, rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else copy_text(v) for v in row) + "\n")
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write(buffer.getvalue())


def copy_text(value) -> str:
    """A value in COPY's text format."""
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def latest_import_id() -> int | None:
    from services.roads.models import NetworkImport

    return NetworkImport.objects.order_by("-id").values_list("id", flat=True).first()


def match_detections(survey: Survey, matcher: Matcher, tolerance_m: float) -> None:
    """Match the survey's detections not yet matched against the current network, as drives.

    Writes with one COPY and one UPDATE, not a query per row.
    """
    from services.roads.models import Detection

    network = latest_import_id()
    stale = list(Detection.objects.filter(survey=survey).exclude(matched_import_id=network)
                 .values_list("id", "lon", "lat", "heading", "captured_at"))
    if not stale:
        return
    count = len(stale)
    segment, distance = matcher.match_drives(
        np.fromiter((r[1] for r in stale), dtype=float, count=count),
        np.fromiter((r[2] for r in stale), dtype=float, count=count),
        np.fromiter((np.nan if r[3] is None else r[3] for r in stale), dtype=float, count=count),
        np.fromiter((r[4].timestamp() for r in stale), dtype=float, count=count), None, tolerance_m)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE roads_match (id bigint, segment_id bigint, distance double precision)"
                       " ON COMMIT DROP")
        copy_rows(cursor.cursor, "roads_match", "id, segment_id, distance",
                  ((r[0], None if s < 0 else int(s), None if np.isnan(d) else round(float(d), 2))
                   for r, s, d in zip(stale, segment.tolist(), distance.tolist(), strict=True)))
        cursor.execute("UPDATE roads_detection d SET segment_id = m.segment_id, match_distance_m = m.distance, "
                       "matched_import_id = %s FROM roads_match m WHERE d.id = m.id", [network])
        cursor.execute("DROP TABLE roads_match")


def _class_case(values: dict) -> str:
    return "CASE damage_class " + " ".join(f"WHEN '{k}' THEN {float(v)}" for k, v in values.items()) + " END"


def damage_per_segment(survey: Survey) -> list[tuple[int, float, int, int]]:
    """(segment id, weighted damaged m², confirmed, suggested) per segment, aggregated in PostgreSQL.

    The area is ``grading.damage_area`` (class defaults, at least 1 m across), weighted 1 when
    confirmed, 0 when rejected and by the confidence while suggested.
    """
    across = f"CASE WHEN width_m IS NULL THEN {_class_case(grading.ACROSS_M)} ELSE GREATEST(width_m, 1.0) END"
    area = f"{across} * {_class_case(grading.ALONG_M)} * {_class_case(grading.WEIGHT)}"
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT segment_id,
                   SUM({area} * CASE status WHEN 'confirmed' THEN 1.0 WHEN 'rejected' THEN 0.0 ELSE confidence END),
                   COUNT(*) FILTER (WHERE status = 'confirmed'), COUNT(*) FILTER (WHERE status = 'suggested')
            FROM roads_detection WHERE survey_id = %s AND segment_id IS NOT NULL GROUP BY segment_id""",
                       [survey.pk])
        return cursor.fetchall()


def _covered(survey: Survey, matcher: Matcher, tolerance_m: float, detection_segments) -> set[int] | None:
    """Segment ids the survey drove past; None when the survey has no captures or tracks (a vendor's
    survey of the whole network, delivered as detections only)."""
    captures = list(Capture.objects.filter(survey=survey).values_list("id", "lon", "lat", "heading", "captured_at"))
    tracks = list(Track.objects.filter(survey=survey).values_list("coords", flat=True))
    if not captures and not tracks:
        return None
    covered = {int(s) for s in detection_segments}
    if captures:
        segment, _ = matcher.match_drives([c[1] for c in captures], [c[2] for c in captures],
                                          [np.nan if c[3] is None else c[3] for c in captures],
                                          [c[4].timestamp() for c in captures], None, tolerance_m,
                                          ahead=False)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE roads_capture c SET segment_id = NULLIF(v.segment_id, -1) "
                           "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, segment_id) WHERE c.id = v.id",
                           [[c[0] for c in captures], segment.tolist()])
        covered.update(int(s) for s in segment if s >= 0)
    for coords in tracks:
        # A track is one drive: matched as a whole, with its course as the heading.
        lon, lat, heading, time_s = _densify(coords, TRACK_STEP_M)
        segment, _ = matcher.match_drives(lon, lat, heading, time_s, None, tolerance_m, ahead=False)
        covered.update(int(s) for s in segment if s >= 0)
    return covered


# GPX tracks are matched at points this far apart along the track (m); without times a track is taken
# as driven at TRACK_SPEED_M_S.
TRACK_STEP_M = 10.0
TRACK_SPEED_M_S = 10.0


def _densify(coords, step_m: float):
    """Points every ``step_m`` along the track: lon, lat, course (degrees from north) and time (s)."""
    import shapely

    if len(coords) < 2:
        return ([c[0] for c in coords], [c[1] for c in coords], [np.nan] * len(coords),
                [0.0] * len(coords))
    line = geo.line_to_metric([(c[0], c[1]) for c in coords])
    distances = np.arange(0, line.length + step_m, step_m)
    points = shapely.line_interpolate_point(line, distances)
    x, y = shapely.get_x(points), shapely.get_y(points)
    ahead = shapely.line_interpolate_point(line, np.minimum(distances + 1.0, line.length))
    behind = shapely.line_interpolate_point(line, np.maximum(distances - 1.0, 0.0))
    heading = np.degrees(np.arctan2(shapely.get_x(ahead) - shapely.get_x(behind),
                                    shapely.get_y(ahead) - shapely.get_y(behind))) % 360.0
    times = [c[2] if len(c) > 2 else None for c in coords]
    at_vertex = shapely.line_locate_point(line, shapely.points(shapely.get_coordinates(line)))
    if all(t is not None for t in times) and np.all(np.diff(np.asarray(times, dtype=float)) >= 0):
        time_s = np.interp(distances, at_vertex, np.asarray(times, dtype=float))
    else:
        time_s = distances / TRACK_SPEED_M_S
    lon, lat = geo.to_wgs84(x, y)
    return lon, lat, heading, time_s


def grade_survey(survey: Survey, matcher: Matcher, segment_ids, segment_area, tolerance_m: float) -> int:
    match_detections(survey, matcher, tolerance_m)
    n = len(segment_ids)
    damaged = np.zeros(n)
    confirmed = np.zeros(n, dtype=np.int64)
    suggested = np.zeros(n, dtype=np.int64)
    position = {int(s): i for i, s in enumerate(segment_ids)}
    found = [(position[row[0]], *row[1:]) for row in damage_per_segment(survey) if row[0] in position]
    if found:
        where = np.array([f[0] for f in found])
        damaged[where] = [f[1] for f in found]
        confirmed[where] = [f[2] for f in found]
        suggested[where] = [f[3] for f in found]
    covered = _covered(survey, matcher, tolerance_m, [int(segment_ids[f[0]]) for f in found])
    share = np.minimum(damaged / np.maximum(segment_area, 1.0), 1.0)
    grades = grading.grade_for_share(share)
    keep = np.ones(n, dtype=bool) if covered is None else np.isin(segment_ids, list(covered))
    SegmentGrade.objects.filter(survey=survey).delete()
    with connection.cursor() as cursor:
        now = timezone.now().isoformat()
        copy_rows(cursor.cursor, "roads_segmentgrade",
                  "segment_id, survey_id, grade, damage_share, confirmed, suggested, method, computed_at",
                  ((int(segment_ids[i]), survey.pk, float(grades[i]), round(float(share[i]), 6), int(confirmed[i]),
                    int(suggested[i]), grading.METHOD, now) for i in np.flatnonzero(keep)))
    survey.graded_at = timezone.now()
    survey.save(update_fields=["graded_at"])
    return int(keep.sum())


def refresh_current_grades() -> None:
    """Each segment shows the grade of the latest survey that graded it."""
    with connection.cursor() as cursor:
        cursor.execute("""
            UPDATE roads_segment s SET grade = latest.grade, graded_survey_id = latest.survey_id
            FROM (SELECT DISTINCT ON (g.segment_id) g.segment_id, g.grade, g.survey_id
                  FROM roads_segmentgrade g JOIN roads_survey v ON v.id = g.survey_id
                  ORDER BY g.segment_id, v.created_at DESC, v.id DESC) latest
            WHERE s.id = latest.segment_id
              AND (s.grade IS DISTINCT FROM latest.grade OR s.graded_survey_id IS DISTINCT FROM latest.survey_id)""")
        cursor.execute("UPDATE roads_segment s SET grade = NULL, graded_survey_id = NULL WHERE s.grade IS NOT NULL "
                       "AND NOT EXISTS (SELECT 1 FROM roads_segmentgrade g WHERE g.segment_id = s.id)")


def grade_town(*, actor, town, survey: Survey | None = None, job: Job | None = None,
               tolerance_m: float | None = None) -> dict:
    """Grade one survey or all of them; one transaction, so readers see old or new grades, never a mix."""
    tolerance_m = float(tolerance_m or conf.MATCH_TOLERANCE_M)
    surveys = [survey] if survey is not None else list(Survey.objects.order_by("created_at", "id"))
    result = {"surveys": 0, "graded_segments": 0}
    with transaction.atomic():
        matcher, segment_ids, segment_area = network_matcher()
        if job is not None:
            Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, total=len(surveys), done=0)
        for number, item in enumerate(surveys, start=1):
            result["graded_segments"] += grade_survey(item, matcher, segment_ids, segment_area, tolerance_m)
            result["surveys"] += 1
            if job is not None:
                Job.objects.filter(pk=job.pk).update(done=number)
        refresh_current_grades()
        log_action("roads.network.graded", actor=actor, town=town, **result)
    return result
