"""Celery beat can never run twice: the second waits for the Redis lock the first holds (real Redis, real beats)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings

from kiverbund.beat import BeatLock, LockedScheduler, LostLock

from .waiting import wait_for

REPO = Path(__file__).resolve().parents[1]




def test_the_lock_is_held_by_one_and_renewed_only_by_its_holder():
    key = f"pytest:beat:{uuid.uuid4().hex}"
    first, second = BeatLock(settings.CELERY_BROKER_URL, key, 30), BeatLock(settings.CELERY_BROKER_URL, key, 30)
    try:
        assert first.try_acquire() and not second.try_acquire()
        assert first.renew() and not second.renew()
        assert first.holder() == first.token
        second.release()  # not its lock: nothing happens
        assert first.holder() == first.token
        first.release()
        assert second.try_acquire() and not first.renew()
    finally:
        second.release()


def test_a_scheduler_that_lost_its_lock_stops(tmp_path, monkeypatch):
    monkeypatch.setenv("BEAT_LOCK_KEY", f"pytest:beat:{uuid.uuid4().hex}")
    from kiverbund.celery import app

    scheduler = LockedScheduler(app=app, schedule_filename=str(tmp_path / "schedule"))
    try:
        scheduler.tick()
        redis.Redis.from_url(settings.CELERY_BROKER_URL).set(scheduler._lock.key, "another-beat")
        with pytest.raises(LostLock):
            scheduler.tick()
    finally:
        scheduler.close()
        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(scheduler._lock.key)


def _beat(tmp_path: Path, name: str, prefix: str) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "devtools.test_settings", "BEAT_LOCK_KEY": f"{prefix}:beat",
           "BEAT_LOCK_SECONDS": "10", "REDIS_URL": settings.CELERY_BROKER_URL,
           "CELERY_QUEUE": f"beat-test-{prefix}"}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "--app", "kiverbund", "beat", "--scheduler", "kiverbund.beat:LockedScheduler",
         "--schedule", str(tmp_path / f"{name}-schedule"), "--loglevel", "INFO"],
        cwd=REPO, env=env, stdout=(tmp_path / f"{name}.log").open("w"), stderr=subprocess.STDOUT,
        start_new_session=True)


def test_a_second_beat_waits_until_the_first_is_gone(tmp_path):
    prefix = f"pytest-{uuid.uuid4().hex[:8]}"
    key = f"{prefix}:beat"
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    first = _beat(tmp_path, "first", prefix)
    second = None
    try:
        assert wait_for(lambda: (client.get(key) or b"").decode().split(":")[1:2] == [str(first.pid)]), \
            (tmp_path / "first.log").read_text()
        second = _beat(tmp_path, "second", prefix)
        assert wait_for(lambda: "is held by" in (tmp_path / "second.log").read_text()), \
            (tmp_path / "second.log").read_text()
        assert second.poll() is None
        assert (client.get(key) or b"").decode().split(":")[1] == str(first.pid)
        # The first beat dies without releasing (a lost node); the lock expires and the second takes over.
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        assert wait_for(lambda: (client.get(key) or b"").decode().split(":")[1:2] == [str(second.pid)]), \
            (tmp_path / "second.log").read_text()
        assert "taken by" in (tmp_path / "second.log").read_text()
    finally:
        for process in (first, second):
            if process and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(20)
        client.delete(key)
