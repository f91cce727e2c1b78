"""Receiving captures: images are anonymised in memory before anything is written; GPX tracks."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.metering import record_usage
from core.audit.log import actor_name, log_action
from services.roads import media
from services.roads.anonymise import get_anonymiser
from services.roads.models import Capture, Survey, Track, UploadBatch
from services.roads.service import DESCRIPTOR, IMAGE_PROCESSED, KM_SURVEYED


@dataclass
class FileResult:
    name: str
    status: str  # "published", "review", "duplicate", "track", "error"
    capture: int | None = None
    message: str = ""


@dataclass
class UploadReport:
    files: list[FileResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.status == "error" for f in self.files)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)


def open_batch(*, survey_name: str, name: str, actor, town) -> UploadBatch:
    with transaction.atomic():
        survey = Survey.objects.get_or_create(name=(survey_name or str(timezone.localdate().year))[:100])[0]
        batch = UploadBatch.objects.create(survey=survey, name=name[:200], created_by=actor_name(actor))
        log_action("roads.batch.opened", actor=actor, town=town, batch=str(batch.token), survey=survey.name)
    return batch


def _is_gpx(name: str, data: bytes) -> bool:
    return name.lower().endswith(".gpx") or data.lstrip()[:200].find(b"<gpx") >= 0


def receive_files(batch: UploadBatch, files: list[tuple[str, bytes]], *, actor, town) -> UploadReport:
    """Anonymise and store images, store tracks: all of the request's files or, on any error, none.

    Files already received (same content) are reported as duplicates, so a client that lost an answer
    sends the whole chunk again safely.
    """
    report = UploadReport()
    checked = []
    for name, data in files:
        digest = hashlib.sha256(data).hexdigest()
        try:
            if _is_gpx(name, data):
                checked.append((name, digest, "gpx", media.read_gpx(data, name), data))
            else:
                checked.append((name, digest, "image", media.read_image_info(data, name), data))
        except media.UploadError as error:
            report.files.append(FileResult(name, "error", message=str(error)))
    if not report.ok:
        return report
    known_images = set(Capture.objects.filter(original_sha256__in=[c[1] for c in checked])
                       .values_list("original_sha256", flat=True))
    known_tracks = set(Track.objects.filter(digest__in=[c[1] for c in checked]).values_list("digest", flat=True))
    prepared = []
    for name, digest, kind, info, data in checked:
        if digest in known_images or digest in known_tracks:
            report.files.append(FileResult(name, "duplicate"))
            continue
        if kind == "image":
            try:
                rgb = media.decode_rgb(data, name)
            except media.UploadError as error:
                report.files.append(FileResult(name, "error", message=str(error)))
                continue
            del data  # the original's bytes go no further than this function
            blurred, regions = get_anonymiser().anonymise(rgb)
            prepared.append((name, digest, kind, info, media.encode_jpeg(blurred), regions, blurred.shape))
        else:
            prepared.append((name, digest, kind, info, None, None, None))
    if not report.ok:
        return report
    written: list[str] = []
    try:
        with transaction.atomic():
            for name, digest, kind, info, jpeg, regions, shape in prepared:
                if kind == "gpx":
                    track = Track.objects.create(batch=batch, survey=batch.survey, digest=digest, filename=name[:255],
                                                 coords=info.coords, length_km=info.length_km,
                                                 started_at=info.started_at, uploaded_by=actor_name(actor))
                    if info.length_km > 0:
                        record_usage(town, DESCRIPTOR.key, KM_SURVEYED, info.length_km,
                                     f"roads:{connection.schema_name}:track:{digest}", timezone.now(), source="roads")
                    report.files.append(FileResult(name, "track", message=f"{info.length_km} km"))
                    log_action("roads.track.received", actor=actor, town=town, track=track.pk, km=info.length_km)
                    continue
                uncertain = sum(1 for r in regions if not r.certain)
                path = default_storage.save(f"roads/captures/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.jpg",
                                            ContentFile(jpeg))
                written.append(path)
                capture = Capture.objects.create(
                    batch=batch, survey=batch.survey, original_sha256=digest, image=path, filename=name[:255],
                    width=shape[1], height=shape[0], lat=info.lat, lon=info.lon, heading=info.heading,
                    captured_at=info.captured_at,
                    status=Capture.Status.REVIEW if uncertain else Capture.Status.PUBLISHED,
                    faces_blurred=sum(1 for r in regions if r.kind == "face"),
                    plates_blurred=sum(1 for r in regions if r.kind == "plate"),
                    uncertain_regions=uncertain, uploaded_by=actor_name(actor))
                record_usage(town, DESCRIPTOR.key, IMAGE_PROCESSED, 1,
                             f"roads:{connection.schema_name}:image:{digest}", timezone.now(), source="roads")
                report.files.append(FileResult(name, capture.status, capture=capture.pk))
            log_action("roads.captures.received", actor=actor, town=town, batch=str(batch.token),
                       published=report.count("published"), review=report.count("review"),
                       duplicates=report.count("duplicate"), tracks=report.count("track"))
    except Exception:
        for path in written:
            default_storage.delete(path)
        raise
    return report


def close_batch(batch: UploadBatch, *, actor, town, detect: bool = True) -> dict:
    """No more files for this batch: run the county's damage model (if configured), then grade."""
    from services.roads import conf
    from services.roads.actions.jobs import enqueue_damage_detection, enqueue_grading

    with transaction.atomic():
        if batch.closed_at is None:
            batch.closed_at = timezone.now()
            batch.save(update_fields=["closed_at"])
        ids = list(batch.captures.filter(analysed_at__isnull=True).values_list("pk", flat=True))
        job = enqueue_damage_detection(ids) if detect and conf.DAMAGE_MODEL_PATH and ids else enqueue_grading()
        log_action("roads.batch.closed", actor=actor, town=town, batch=str(batch.token), captures=len(ids))
    return {"job": job.pk, "kind": job.kind}


def review_capture(capture: Capture, *, publish: bool, actor, town) -> Capture:
    """A person checked an image whose anonymisation was uncertain: publish it or withhold it."""
    if capture.status != Capture.Status.REVIEW:
        raise ValueError(_("This image is not waiting for review."))
    with transaction.atomic():
        capture.status = Capture.Status.PUBLISHED if publish else Capture.Status.WITHHELD
        capture.reviewed_by, capture.reviewed_at = actor_name(actor), timezone.now()
        capture.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        log_action("roads.capture.reviewed", actor=actor, town=town, capture=capture.pk, status=capture.status)
        if not publish:
            # A withheld image is not kept: nobody may see it, so there is no reason to store it.
            name = capture.image.name
            transaction.on_commit(lambda: default_storage.delete(name))
    return capture
