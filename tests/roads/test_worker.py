"""The road service's Celery tasks in a real worker process: the county's ONNX model over a closed batch
(then grading), and grading on demand."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from devtools import test_settings
from services.roads import conf
from services.roads.models import Capture, Detection, SegmentGrade
from tenants.models import Role

from .conftest import offset, osm_xml
from .images import geotagged_jpeg
from .test_api_pages import upload


def _wait_for(client: Client, job_id: int) -> dict:
    deadline = time.monotonic() + 600  # generous: two shared cores; this is no timing assertion
    state: dict = {}
    while time.monotonic() < deadline:
        state = client.get(f"/api/v1/roads/jobs/{job_id}").json()
        if state["state"] in ("done", "failed"):
            return state
        time.sleep(0.5)
    return state


@pytest.mark.worker
def test_damage_model_and_grading_run_in_the_worker(committed_town, celery_worker, member_factory, monkeypatch,
                                                    settings):
    # This process queues the detection job because a model is configured; the worker runs the same file.
    monkeypatch.setattr(conf, "DAMAGE_MODEL_PATH", celery_worker.env["ROADS_DAMAGE_MODEL"])
    # The worker reads the stored images from the test settings' media folder, not from this test's own.
    settings.MEDIA_ROOT = test_settings.MEDIA_ROOT
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
    town = committed_town("Kamerastadt", "09999841")
    try:
        _detect_then_grade(town, member_factory)
    finally:
        shutil.rmtree(Path(test_settings.MEDIA_ROOT) / town.schema_name, ignore_errors=True)


def _detect_then_grade(town, member_factory):
    staff = Client(HTTP_HOST=town.host, HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(member_factory(town, Role.TOWN_STAFF, "bauhof-kamera"))
    assert staff.post("/api/v1/roads/network", {"file": upload("mitte.osm", osm_xml())}).status_code == 201
    batch = staff.post("/api/v1/roads/batches", {"survey": "2026", "name": "Fahrt 1"},
                       content_type="application/json").json()
    lon, lat = offset(-175, 1)
    sent = staff.post(f"/api/v1/roads/batches/{batch['token']}/files",
                      {"files": [upload("a.jpg", geotagged_jpeg(lon=lon, lat=lat, seed=11))]})
    assert sent.status_code == 201, sent.content[:300]
    closed = staff.post(f"/api/v1/roads/batches/{batch['token']}/close")
    assert closed.status_code == 202 and closed.json()["kind"] == "detection"
    state = _wait_for(staff, closed.json()["id"])
    assert state["state"] == "done" and (state["total"], state["done"]) == (1, 1), state
    with schema_context(town.schema_name):
        capture = Capture.objects.get()
        assert capture.analysed_at is not None
        found = Detection.objects.filter(source="model", capture=capture)
        assert sorted(d.suggested_class for d in found) == ["D10", "D40"]
        # The job graded after detecting: the pothole's segment carries a grade from this survey.
        pothole = found.get(suggested_class="D40")
        assert SegmentGrade.objects.get(segment=pothole.segment, survey=pothole.survey).grade > 1.0
        SegmentGrade.objects.all().delete()
    graded = staff.post("/api/v1/roads/grade")
    assert graded.status_code == 202 and graded.json()["kind"] == "grading"
    state = _wait_for(staff, graded.json()["id"])
    assert state["state"] == "done", state
    with schema_context(town.schema_name):
        assert SegmentGrade.objects.filter(segment=pothole.segment, grade__gt=1.0).exists()
