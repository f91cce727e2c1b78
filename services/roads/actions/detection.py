"""Running the county's damage model over captures, and staff marking damage by hand."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit.log import actor_name, log_action
from services.roads import camera, conf
from services.roads.actions.jobs import enqueue_grading
from services.roads.detectors import parse_class_map
from services.roads.models import Capture, Detection, Job


def county_detector():
    from services.roads.detectors.onnx import OnnxDamageDetector

    return OnnxDamageDetector(conf.DAMAGE_MODEL_PATH, parse_class_map(conf.DAMAGE_MODEL_CLASSES),
                              conf.DAMAGE_MODEL_THRESHOLD)


def run_damage_model(capture_ids, *, actor, town, job_id: int | None = None, detector=None) -> int:
    """Detect damage in each capture (once: analysed captures are skipped), then grade.

    Suggestions are new rows; a re-run never overwrites a suggestion or a decision.
    """
    from services.roads.actions.grading import grade_town
    from services.roads.media import decode_rgb

    detector = detector or county_detector()
    captures = list(Capture.objects.filter(pk__in=capture_ids, analysed_at__isnull=True).order_by("pk"))
    if job_id:
        Job.objects.filter(pk=job_id).update(state=Job.State.RUNNING, total=len(captures), done=0)
    found = 0
    for number, capture in enumerate(captures, start=1):
        with default_storage.open(capture.image.name, "rb") as handle:
            rgb = decode_rgb(handle.read(), capture.filename)
        damages = detector.detect(rgb)
        with transaction.atomic():
            Detection.objects.bulk_create([
                _on_the_road(Detection(external_id=f"model-{capture.pk}-{i}", survey_id=capture.survey_id,
                                       source=Detection.Source.MODEL, capture=capture, suggested_class=d.damage_class,
                                       damage_class=d.damage_class, confidence=d.confidence, box=list(d.box),
                                       heading=capture.heading, captured_at=capture.captured_at), capture)
                for i, d in enumerate(damages)], ignore_conflicts=True)
            Capture.objects.filter(pk=capture.pk).update(analysed_at=timezone.now())
        found += len(damages)
        if job_id:
            Job.objects.filter(pk=job_id).update(done=number)
    log_action("roads.model.ran", actor=actor, town=town, captures=len(captures), detections=found,
               detector=getattr(detector, "name", "custom"))
    grade_town(actor=actor, town=town)
    return found


def _on_the_road(detection: Detection, capture: Capture) -> Detection:
    """The damage's position and width from its box (services/roads/camera.py), not the camera's position."""
    detection.lon, detection.lat, detection.width_m = camera.place(
        capture.lon, capture.lat, capture.heading, detection.box, capture.width, capture.height)
    return detection


def mark_damage(capture: Capture, *, damage_class: str, box, actor, town, note: str = "") -> Detection:
    """Staff mark a damage on an image: it is confirmed at once (a person made it)."""
    x1, y1, x2, y2 = (float(v) for v in box)
    if not (0 <= x1 < x2 <= capture.width and 0 <= y1 < y2 <= capture.height):
        raise ValueError(_("The box must lie inside the image."))
    with transaction.atomic():
        number = Detection.objects.filter(capture=capture, source=Detection.Source.MANUAL).count() + 1
        detection = _on_the_road(Detection(
            external_id=f"manual-{capture.pk}-{number}", survey_id=capture.survey_id, source=Detection.Source.MANUAL,
            capture=capture, suggested_class=damage_class, damage_class=damage_class, confidence=1.0,
            box=[x1, y1, x2, y2], heading=capture.heading, captured_at=capture.captured_at,
            status=Detection.Status.CONFIRMED, decided_by=actor_name(actor), decided_at=timezone.now(),
            decision_note=note), capture)
        detection.save()
        log_action("roads.detection.marked", actor=actor, town=town, detection=detection.external_id,
                   damage_class=damage_class)
        enqueue_grading()
    return detection


