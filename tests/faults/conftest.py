"""Fault tests: real servers killed and restarted under the product.

They restart PostgreSQL and Redis, so they never use the session's shared servers:
``fault_stack`` starts a PostgreSQL and a Redis of their own (embedded binaries, a
temporary run folder, free ports) with a migrated database. The web server
(gunicorn with ``kiverbund.gunicorn_conf``), Celery workers and beat run as
subprocesses against them with the production settings (through devtools.settings, which fills in only what is not set); the test process
drives them over HTTP and through ``tests/faults/driver.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.stack import RUN_ROOT
from devtools.stack.postgres import Postgres
from devtools.stack.processes import port_open, wait_until
from devtools.stack.redis import Redis

REPO = Path(__file__).resolve().parents[2]
DOMAIN = "kiverbund.localhost"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]




class Process:
    """A subprocess in its own process group (a Celery worker's children die with it)."""

    def __init__(self, name: str, command: list[str], env: dict, log: Path):
        self.name, self.command, self.env, self.log = name, command, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> Process:
        self.process = subprocess.Popen(self.command, cwd=REPO, env=self.env, stdout=self.log.open("a"),
                                        stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole group: no shutdown handler runs, nothing is handed back."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""


class FaultStack:
    def __init__(self, base: Path):
        self.base = base
        self.postgres = Postgres(base, free_port(), durable=False)
        self.redis = Redis(base, free_port())
        self.queue = f"kiverbund-faults-{os.getpid()}"
        self.processes: list[Process] = []

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.postgres.port}/kiverbund_faults"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis.port}/0"

    def env(self, **extra: str) -> dict:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "devtools.settings", "KIVERBUND_PROFILE": "test", "DEBUG": "false",
            "SECRET_KEY": "fault-tests-secret-key", "PLATFORM_DOMAIN": DOMAIN,
            "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url,
            "MEDIA_ROOT": str(self.base / "media"), "EXPORT_ROOT": str(self.base / "exports"),
            "KEYCLOAK_PROVISIONING": "false", "CELERY_QUEUE": self.queue, "CACHE_KEY_PREFIX": "kiverbund-faults",
            # A killed worker's task comes back after this long (production: an hour, see settings).
            "CELERY_VISIBILITY_TIMEOUT_SECONDS": "4", "OPENBLAS_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1",
            **extra,
        }

    def start(self) -> None:
        self.postgres.start()
        self.postgres.ensure_database("kiverbund_faults")
        self.redis.start()
        result = subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=REPO, env=self.env(),
                                capture_output=True, text=True)
        if result.returncode:
            raise RuntimeError(f"migrate failed: {result.stdout[-3000:]}{result.stderr[-3000:]}")

    def call(self, function: str, **arguments):
        """Run ``tests.faults.driver.<function>`` against the fault stack; its JSON result."""
        result = subprocess.run([sys.executable, "-m", "tests.faults.driver", function, json.dumps(arguments)],
                                cwd=REPO, env=self.env(), capture_output=True, text=True)
        line = next((ln for ln in reversed(result.stdout.splitlines()) if ln.startswith("RESULT ")), None)
        if result.returncode or line is None:
            raise RuntimeError(f"{function} failed: {result.stdout[-3000:]}{result.stderr[-3000:]}")
        return json.loads(line[7:])

    def process(self, name: str, command: list[str], **extra_env: str) -> Process:
        process = Process(name, command, self.env(**extra_env), self.base / f"{name}.log")
        self.processes.append(process)
        return process.start()

    def worker(self, name: str = "worker") -> Process:
        process = self.process(name, [sys.executable, "-m", "celery", "-A", "kiverbund", "worker", "-Q", self.queue,
                                      "-n", f"{name}-{os.getpid()}@%h", "--concurrency", "1", "--without-gossip",
                                      "--without-mingle", "--loglevel", "INFO"])
        wait_until(lambda: "ready." in process.tail(200) or not process.alive(), 120, f"Celery {name}", process.log)
        assert process.alive(), process.tail()
        return process

    def web(self) -> tuple[Process, int]:
        port = free_port()
        process = self.process("web", [sys.executable, "-m", "gunicorn", "-c", "python:kiverbund.gunicorn_conf",
                                       "kiverbund.wsgi", "--bind", f"127.0.0.1:{port}"])
        wait_until(lambda: port_open(port) or not process.alive(), 120, "gunicorn", process.log)
        assert process.alive(), process.tail()
        return process, port

    def stop_processes(self) -> None:
        for process in self.processes:
            process.stop()
        self.processes.clear()

    def stop(self) -> None:
        self.stop_processes()
        self.redis.stop()
        self.postgres.stop()


@pytest.fixture(scope="session")
def fault_stack():
    # Below the run folder, not pytest's temporary folders: pytest runs of other checkouts on the
    # machine prune those, and a data folder must not vanish under a running server.
    base = RUN_ROOT / f"faults-{os.getpid()}"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    stack = FaultStack(base)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def stack(fault_stack):
    """The fault stack, with every server running again and no process left over after the test."""
    yield fault_stack
    fault_stack.stop_processes()
    fault_stack.postgres.start()
    fault_stack.redis.start()
