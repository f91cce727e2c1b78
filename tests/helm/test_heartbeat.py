"""Liveness of workers and beat: the chart's probe reads a heartbeat file the real process writes.

A real Celery worker and a real beat run with the commands the chart renders, on the test profile's
Redis; the probe command the chart renders passes while they run and fails once a process is frozen
(SIGSTOP: its loop no longer runs, as in a hang).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from ..waiting import wait_for
from ..worker import REPO, database_url
from .chart import CHART, named, pod_spec, render

MINIMAL = CHART / "ci" / "minimal-values.yaml"




@pytest.fixture(scope="module")
def containers():
    manifests = render([MINIMAL])
    return {"worker": pod_spec(named(manifests, "Deployment", "-worker-default"))["containers"][0],
            "beat": pod_spec(named(manifests, "Deployment", "-beat"))["containers"][0]}


def _probe(container: dict, env: dict, *, max_age: str | None = None) -> subprocess.CompletedProcess:
    command = list(container["livenessProbe"]["exec"]["command"])
    assert command[:3] == ["python", "-m", "core.heartbeat"]
    command[0] = sys.executable
    if max_age is not None:
        command[command.index("--max-age") + 1] = max_age
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=30, check=False)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_chart_renders_heartbeat_probes(containers, name):
    container = containers[name]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["HEARTBEAT_FILE"] == f"/tmp/{name}.heartbeat"
    assert "/tmp" in {mount["mountPath"] for mount in container["volumeMounts"]}
    for probe in ("startupProbe", "livenessProbe"):
        assert container[probe]["exec"]["command"] == ["python", "-m", "core.heartbeat", "--max-age", "180"]
    assert container["livenessProbe"]["periodSeconds"] == int(env["HEARTBEAT_SECONDS"]) == 30


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_a_real_process_keeps_its_heartbeat_and_the_probe_sees_it_stop(containers, name, tmp_path):
    container = containers[name]
    heartbeat = tmp_path / f"{name}.heartbeat"
    prefix = f"pytest-heartbeat-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, **{e["name"]: e["value"] for e in container["env"] if "value" in e},
           # The test's own database, Redis, queue and paths instead of the cluster's.
           "DJANGO_SETTINGS_MODULE": "devtools.test_settings", "DATABASE_URL": database_url(),
           "REDIS_URL": settings.CELERY_BROKER_URL, "CELERY_QUEUE": prefix, "BEAT_LOCK_KEY": f"{prefix}:beat",
           "HEARTBEAT_FILE": str(heartbeat), "HEARTBEAT_SECONDS": "1", "HOME": str(tmp_path),
           "MEDIA_ROOT": str(tmp_path / "media"), "EXPORT_ROOT": str(tmp_path / "exports"),
           "LOG_FORMAT": "plain"}
    for key in ("SECRET_KEY", "KEYCLOAK_URL", "STATIC_ROOT"):
        env.pop(key, None)
    command = list(container["command"])
    assert command[0] == "celery"
    command[:1] = [sys.executable, "-m", "celery"]
    if "--schedule" in command:
        command[command.index("--schedule") + 1] = str(tmp_path / "celerybeat-schedule")
    log = tmp_path / f"{name}.log"
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        assert _probe(container, env).returncode == 1  # nothing written yet: not alive
        assert wait_for(lambda: heartbeat.exists() or process.poll() is not None, 120), log.read_text()[-3000:]
        assert process.poll() is None, log.read_text()[-3000:]
        first = _mtime(heartbeat)
        # Written again and again, not only once at start.
        assert wait_for(lambda: _mtime(heartbeat) > first + 1.5, 60), log.read_text()[-3000:]
        assert _probe(container, env).returncode == 0
        os.killpg(process.pid, signal.SIGSTOP)
        try:
            assert wait_for(lambda: _probe(container, env, max_age="3").returncode == 1, 30)
        finally:
            os.killpg(process.pid, signal.SIGCONT)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
