"""A real Celery worker process for the tests, on the test profile's Redis and the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

from kiverbund.celery import app

REPO = Path(__file__).resolve().parents[1]


def database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


class Worker:
    def __init__(self, queue: str, log: Path, env: dict | None = None):
        self.queue = queue
        self.log = log
        self.env = dict(env or {})
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "devtools.test_settings", "DATABASE_URL": database_url(),
               "REDIS_URL": app.conf.broker_url, "CELERY_QUEUE": self.queue, **self.env}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "kiverbund", "worker", "--pool=solo", "-Q", self.queue,
             "-n", f"{self.queue}@%h", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
            cwd=REPO, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log.read_text()[-3000:]}")
            if app.control.ping(destination=[f"{self.queue}@{os.uname().nodename}"], timeout=0.5):
                return
        raise RuntimeError(f"worker did not answer within 60 s: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
