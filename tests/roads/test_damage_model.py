"""The ONNX damage-model runner, with a tiny model the test builds; manual marking."""

from __future__ import annotations

import numpy as np
import pytest
from django_tenants.utils import schema_context

from services.roads import camera, conf
from services.roads.actions.captures import open_batch, receive_files
from services.roads.actions.detection import mark_damage, run_damage_model
from services.roads.detectors import parse_class_map
from services.roads.detectors.onnx import ModelError, OnnxDamageDetector
from services.roads.models import Capture, Detection, Job

from . import tiny_model
from .conftest import GEOD, offset
from .images import geotagged_jpeg

CLASSES = parse_class_map("0=D00,1=D10,2=D20,3=D40")


@pytest.mark.parametrize("layout", ["yolov5", "yolov8"])
def test_onnx_runner_reads_yolo_outputs_back_into_image_pixels(tmp_path, layout):
    detector = OnnxDamageDetector(tiny_model.build(tmp_path / f"{layout}.onnx", layout), CLASSES, threshold=0.25)
    # 128×96: letterboxed into 64×64 at scale 0.5 with 8 px of padding above and below
    found = sorted(detector.detect(np.zeros((96, 128, 3), dtype=np.uint8)), key=lambda d: -d.confidence)
    assert [(d.damage_class, round(d.confidence, 3)) for d in found] == [("D40", 0.855), ("D10", 0.72)]
    assert found[0].box == pytest.approx((44.0, 54.0, 84.0, 74.0))
    assert found[1].box == pytest.approx((12.0, 0.0, 28.0, 8.0))


def test_class_map_and_bad_models(tmp_path):
    assert parse_class_map("3=d40, 0=D00") == {3: "D40", 0: "D00"}
    with pytest.raises(ValueError, match="no RDD class"):
        parse_class_map("0=repair")
    with pytest.raises(ModelError, match="not found"):
        OnnxDamageDetector(tmp_path / "missing.onnx", CLASSES)
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="cannot be loaded"):
        OnnxDamageDetector(broken, CLASSES)


def test_model_job_turns_captures_into_suggestions_and_grades(town_network, tmp_path, monkeypatch):
    monkeypatch.setattr(conf, "DAMAGE_MODEL_PATH", str(tiny_model.build(tmp_path / "county.onnx")))
    lon, lat = offset(-175, 1)
    with schema_context(town_network.schema_name):
        batch = open_batch(survey_name="2026", name="", actor="pytest", town=town_network)
        assert receive_files(batch, [("a.jpg", geotagged_jpeg(lon=lon, lat=lat, seed=11))], actor="pytest",
                             town=town_network).ok
        capture = Capture.objects.get()
        job = Job.objects.create(kind="detection")
        assert run_damage_model([capture.pk], actor="pytest", town=town_network, job_id=job.pk) == 2
        job.refresh_from_db()
        assert (job.total, job.done) == (1, 1)
        detections = Detection.objects.filter(source="model").select_related("segment")
        assert {d.suggested_class for d in detections} == {"D40", "D10"}
        assert all(d.status == "suggested" and d.capture == capture for d in detections)
        # On the road ahead of the camera (heading 90°, east), not at the camera: the pothole's box ends low
        # in the image (a few metres ahead), the crack's at the top edge (cut to the camera model's range).
        pothole, crack = detections.get(suggested_class="D40"), detections.get(suggested_class="D10")
        for detection in (pothole, crack):
            ground = camera.ground_offset(detection.box, capture.width, capture.height)
            _az, _back, metres = GEOD.inv(capture.lon, capture.lat, detection.lon, detection.lat)
            assert metres == pytest.approx(np.hypot(ground.ahead_m, ground.right_m), abs=0.05)
            assert detection.lon > capture.lon
        assert 2 < camera.ground_offset(pothole.box, capture.width, capture.height).ahead_m < 4
        assert pothole.segment.key == "w101:0" and crack.segment.key == "w101:1"
        assert detections.get(suggested_class="D40").segment.grade > 1.0
        # A second run does not analyse the capture again.
        assert run_damage_model([capture.pk], actor="pytest", town=town_network) == 0
        assert Detection.objects.count() == 2
        manual = mark_damage(capture, damage_class="D20", box=(10, 10, 200, 120), actor="pytest", town=town_network)
        assert manual.status == "confirmed" and manual.source == "manual"
        with pytest.raises(ValueError, match="inside the image"):
            mark_damage(capture, damage_class="D20", box=(10, 10, 99999, 120), actor="pytest", town=town_network)


def test_camera_model_places_damage_on_the_road_ahead(monkeypatch):
    monkeypatch.setattr(conf, "CAMERA_HEIGHT_M", 1.3)
    monkeypatch.setattr(conf, "CAMERA_PITCH_DEG", 10.0)
    monkeypatch.setattr(conf, "CAMERA_HFOV_DEG", 90.0)  # focal length = half the image width: 640 px
    monkeypatch.setattr(conf, "CAMERA_MAX_RANGE_M", 30.0)
    # The optical axis meets the road 1.3 m / tan 10° ahead.
    centre = camera.ground_offset((600, 300, 680, 360), 1280, 720)
    assert centre.ahead_m == pytest.approx(1.3 / np.tan(np.radians(10)), abs=0.01) and centre.right_m == 0
    assert centre.width_m == pytest.approx(80 / 640 * 1.3 / np.sin(np.radians(10)), abs=0.01)
    # Lower in the image is nearer; right of the centre is right of the vehicle.
    near = camera.ground_offset((900, 600, 1000, 700), 1280, 720)
    assert near.ahead_m < centre.ahead_m and near.right_m > 0
    # At or above the horizon: the model's range.
    assert camera.ground_offset((600, 0, 680, 10), 1280, 720).ahead_m == pytest.approx(30.0, abs=0.01)
    # Heading east: the damage lies east of the camera; without a heading it stays at the camera.
    lon, lat = offset(0, 0)
    east_lon, east_lat, _w = camera.place(lon, lat, 90.0, (600, 300, 680, 360), 1280, 720)
    azimuth, _back, metres = GEOD.inv(lon, lat, east_lon, east_lat)
    assert metres == pytest.approx(centre.ahead_m, abs=0.05) and azimuth == pytest.approx(90, abs=0.5)
    assert camera.place(lon, lat, None, (600, 300, 680, 360), 1280, 720)[:2] == (lon, lat)
