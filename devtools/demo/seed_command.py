"""``python -m devtools.demo.seed_command --state FILE [--smtp-port N]``: seed the demo county.

Run by ``make demo`` with the settings from the environment, as ``manage.py`` would be.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import django


def main() -> None:
    parser = argparse.ArgumentParser(description="Create the demo county (idempotent) and write the state file.")
    parser.add_argument("--state", type=Path, required=True, help="where to write demo.json")
    parser.add_argument("--smtp-port", type=int, help="local mail sink for Keycloak; with it, demo logins are set up")
    args = parser.parse_args()
    django.setup()
    from devtools.demo.seed import seed

    state = seed(args.state, smtp_port=args.smtp_port)
    print(f"Demo county: {len(state['towns'])} towns; state in {args.state}")


if __name__ == "__main__":
    main()
