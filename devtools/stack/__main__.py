"""``python -m devtools.stack up|down|status [--profile demo|test]``.

Starts or stops the embedded PostgreSQL and Redis of a profile. Keycloak has
its own manager (``devtools.stack.keycloak``).
"""

from __future__ import annotations

import argparse

from . import get_profile
from .postgres import Postgres
from .redis import Redis


def servers(profile_name: str) -> tuple[Postgres, Redis]:
    profile = get_profile(profile_name)
    return (
        Postgres(profile.run_dir, profile.postgres_port, durable=profile.name != "test"),
        Redis(profile.run_dir, profile.redis_port),
    )


def up(profile_name: str, *, postgres: bool = True, redis: bool = True) -> None:
    """Start the profile's embedded servers; ``postgres=False``/``redis=False`` where an external one is used."""
    profile = get_profile(profile_name)
    postgres_server, redis_server = servers(profile_name)
    if postgres:
        postgres_server.start()
        postgres_server.ensure_database(profile.database)
    if redis:
        redis_server.start()


def up_unless_external(profile_name: str) -> None:
    """Embedded PostgreSQL unless DATABASE_URL names another server, embedded Redis unless REDIS_URL does."""
    import os

    profile = get_profile(profile_name)
    up(profile_name, postgres=os.environ.get("DATABASE_URL") in (None, "", profile.database_url),
       redis=os.environ.get("REDIS_URL") in (None, "", profile.redis_url))


def down(profile_name: str) -> None:
    for server in servers(profile_name):
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devtools.stack")
    parser.add_argument("action", choices=["up", "down", "status"])
    parser.add_argument("--profile", default="demo")
    args = parser.parse_args()
    profile = get_profile(args.profile)
    if args.action == "up":
        up(args.profile)
        print(f"DATABASE_URL={profile.database_url}\nREDIS_URL={profile.redis_url}")
    elif args.action == "down":
        down(args.profile)
    else:
        for server in servers(args.profile):
            print(f"{type(server).__name__}: {'running' if server.is_running() else 'stopped'} (port {server.port})")


if __name__ == "__main__":
    main()
