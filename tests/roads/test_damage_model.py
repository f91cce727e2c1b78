"""The ONNX damage-model runner, with a tiny model the test builds; manual marking."""

from __future__ import annotations

import numpy as np
import pytest
from django_tenants.utils import schema_context

from services.roads import conf
from services.roads.actions.captures import open_batch, receive_files
from services.roads.actions.detection import mark_damage, run_damage_model
from services.roads.detectors import parse_class_map
from services.roads.detectors.onnx import ModelError, OnnxDamageDetector
from services.roads.models import Capture, Detection, Job

from . import tiny_model
from .conftest import offset
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
        assert all(d.status == "suggested" and d.capture == capture and d.segment.key == "w101:0" for d in detections)
        assert detections.get(suggested_class="D40").segment.grade > 1.0
        # A second run does not analyse the capture again.
        assert run_damage_model([capture.pk], actor="pytest", town=town_network) == 0
        assert Detection.objects.count() == 2
        manual = mark_damage(capture, damage_class="D20", box=(10, 10, 200, 120), actor="pytest", town=town_network)
        assert manual.status == "confirmed" and manual.source == "manual"
        with pytest.raises(ValueError, match="inside the image"):
            mark_damage(capture, damage_class="D20", box=(10, 10, 99999, 120), actor="pytest", town=town_network)
