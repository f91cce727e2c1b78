"""Captures: anonymised before storage, review queue, resumable batches, GPX, bad files, metering."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context
from PIL import Image

from billing.models import UsageEvent
from services.roads import conf
from services.roads.actions.captures import open_batch, receive_files, review_capture
from services.roads.models import Capture, Track

from .conftest import offset
from .images import geotagged_jpeg, gpx
from .sample import make_scene


def _scene_with_face(seed=3):
    rng = random.Random(seed)
    while True:
        scene = make_scene(rng)
        if any(kind == "face" for kind, *_ in scene.boxes):
            return scene


def test_faces_are_blurred_before_the_image_is_stored(town_network):
    scene = _scene_with_face()
    lon, lat = offset(-180, 1)
    data = geotagged_jpeg(scene.rgb, lon=lon, lat=lat)
    original = np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)
    with schema_context(town_network.schema_name):
        batch = open_batch(survey_name="2026", name="Fahrt 1", actor="service-account:fahrzeug", town=town_network)
        report = receive_files(batch, [("bild1.jpg", data)], actor="service-account:fahrzeug", town=town_network)
        assert report.ok, report.files
        capture = Capture.objects.get()
        assert capture.faces_blurred >= 1
        assert capture.lat == pytest.approx(lat, abs=1e-6) and capture.heading == pytest.approx(90)
        with default_storage.open(capture.image.name) as handle:
            stored_bytes = handle.read()
        stored = np.asarray(Image.open(io.BytesIO(stored_bytes)).convert("RGB")).astype(int)
        # No metadata travels with the stored image.
        assert b"Exif" not in stored_bytes[:200]
        for kind, x1, y1, x2, y2 in scene.boxes:
            face_change = np.abs(stored[y1:y2, x1:x2] - original[y1:y2, x1:x2]).mean()
            if kind == "face":
                # the face's pixels are destroyed, not slightly recompressed
                assert face_change > 12, face_change
                detail = np.abs(np.diff(stored[y1:y2, x1:x2], axis=1)).mean()
                assert detail < np.abs(np.diff(original[y1:y2, x1:x2], axis=1)).mean() / 2
        # Away from faces and plates, the road looks as it did (JPEG re-encoding only).
        assert np.abs(stored[-40:, :200] - original[-40:, :200]).mean() < 6
        # Nothing of the original was written: the only file below the town's media is the blurred one.
        files = _all_files("roads")
        assert files == [capture.image.name]
        assert UsageEvent.objects.filter(town=town_network, service="roads", unit="image_processed").count() == 1


def _all_files(root):
    out = []
    dirs, files = default_storage.listdir(root)
    out += [f"{root}/{f}" for f in files]
    for d in dirs:
        out += _all_files(f"{root}/{d}")
    return out


def test_uncertain_anonymisation_goes_to_review(town_network, monkeypatch):
    # Everything the face detector sees counts as uncertain: the image must wait for a person.
    monkeypatch.setattr(conf, "FACE_THRESHOLD", 1.01)
    data = geotagged_jpeg(_scene_with_face().rgb)
    with schema_context(town_network.schema_name):
        batch = open_batch(survey_name="2026", name="", actor="pytest", town=town_network)
        report = receive_files(batch, [("b.jpg", data)], actor="pytest", town=town_network)
        assert [f.status for f in report.files] == ["review"]
        capture = Capture.objects.get()
        assert capture.status == Capture.Status.REVIEW and capture.uncertain_regions >= 1
        review_capture(capture, publish=True, actor="pytest", town=town_network)
        assert Capture.objects.get().status == Capture.Status.PUBLISHED


def test_batch_resumes_duplicates_and_counts_tracks(town_network):
    images = [geotagged_jpeg(lon=offset(x, 0)[0], lat=offset(x, 0)[1], seed=x + 100) for x in (-150, -50)]
    track = gpx([offset(x, 1) for x in range(-200, 201, 20)])
    with schema_context(town_network.schema_name):
        batch = open_batch(survey_name="2026", name="", actor="pytest", town=town_network)
        first = receive_files(batch, [("a.jpg", images[0])], actor="pytest", town=town_network)
        assert first.ok
        # The client lost the answer and sends the whole chunk again, with the next image and the track.
        again = receive_files(batch, [("a.jpg", images[0]), ("b.jpg", images[1]), ("fahrt.gpx", track)],
                              actor="pytest", town=town_network)
        statuses = [f.status for f in again.files]
        assert statuses[0] == "duplicate" and statuses[1] in ("published", "review") and statuses[2] == "track"
        assert Capture.objects.count() == 2
        assert Track.objects.get().length_km == pytest.approx(0.4, abs=0.01)
        assert float(UsageEvent.objects.get(town=town_network, unit="km_surveyed").quantity) == pytest.approx(0.4, abs=0.01)


@pytest.mark.parametrize("name, data, message", [
    ("ohne-gps.jpg", "nogps", "no GPS position"),
    ("kaputt.jpg", "corrupt-exif", "corrupt EXIF|not a readable image|no GPS"),
    ("bild.png", "png", "not a JPEG"),
    ("riesig.jpg", "huge", "larger than"),
    ("leer.gpx", "gpx-empty", "no track points"),
    ("kaputt.gpx", "gpx-broken", "not a valid GPX"),
])
def test_bad_files_refuse_the_whole_request(town_network, monkeypatch, name, data, message):
    good = geotagged_jpeg(seed=7)
    if data == "nogps":
        data = geotagged_jpeg(gps=False)
    elif data == "corrupt-exif":
        raw = bytearray(geotagged_jpeg())
        start = raw.find(b"Exif")
        raw[start + 10:start + 60] = b"\xff" * 50
        data = bytes(raw)
    elif data == "png":
        out = io.BytesIO()
        Image.new("RGB", (10, 10)).save(out, format="PNG")
        data = out.getvalue()
    elif data == "huge":
        monkeypatch.setattr(conf, "MAX_IMAGE_BYTES", 1000)
        data = good
    elif data == "gpx-empty":
        data = gpx([])
    else:
        data = b"<gpx><trk><trkseg><trkpt lat='x'"
    with schema_context(town_network.schema_name):
        batch = open_batch(survey_name="2026", name="", actor="pytest", town=town_network)
        files = [("gut.jpg", good), (name, data)] if "larger" not in message else [(name, data)]
        report = receive_files(batch, files, actor="pytest", town=town_network)
        assert not report.ok
        error = next(f for f in report.files if f.status == "error")
        import re

        assert re.search(message, error.message), error.message
        assert not Capture.objects.exists() and not Track.objects.exists()
        assert not default_storage.exists("roads") or _all_files("roads") == []
