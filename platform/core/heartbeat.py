"""A liveness signal for processes that serve no HTTP: Celery workers and beat.

The process touches a file (``HEARTBEAT_FILE``) every ``HEARTBEAT_SECONDS`` from its
own event loop, so the file ages when the loop hangs; Kubernetes' exec probe runs

    python -m core.heartbeat --max-age 180

which exits non-zero when the file is missing or older than that. Asking the worker
itself (``celery inspect ping``) would start a Celery client and a broker round trip
for every probe; reading a file's modification time costs nothing. This module
imports nothing from Django, so the probe starts in a few milliseconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

FILE_VARIABLE = "HEARTBEAT_FILE"


def heartbeat_file() -> Path | None:
    """Where this process writes its heartbeat; None when ``HEARTBEAT_FILE`` is unset (no heartbeat)."""
    value = os.environ.get(FILE_VARIABLE, "").strip()
    return Path(value) if value else None


def interval() -> float:
    return max(1.0, float(os.environ.get("HEARTBEAT_SECONDS", "30")))


def beat(path: Path | None = None) -> None:
    """Mark this process alive now."""
    path = path or heartbeat_file()
    if path is None:
        return
    path.touch()


def age(path: Path) -> float | None:
    """Seconds since the last heartbeat, None if there was none."""
    try:
        return max(0.0, time.time() - path.stat().st_mtime)
    except FileNotFoundError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Exit 0 if the heartbeat file is fresh, 1 otherwise.")
    parser.add_argument("--max-age", type=float, required=True, help="seconds a heartbeat stays fresh")
    parser.add_argument("--file", type=Path, default=None, help=f"default: ${FILE_VARIABLE}")
    args = parser.parse_args(argv)
    path = args.file or heartbeat_file()
    if path is None:
        print(f"no heartbeat file: set {FILE_VARIABLE} or --file", file=sys.stderr)
        return 2
    seconds = age(path)
    if seconds is None:
        print(f"{path}: no heartbeat yet", file=sys.stderr)
        return 1
    if seconds > args.max_age:
        print(f"{path}: last heartbeat {seconds:.0f} s ago (more than {args.max_age:.0f} s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
