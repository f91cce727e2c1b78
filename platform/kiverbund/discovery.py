"""Which service apps are installed: every package below ``services/`` that has an ``apps`` module.

Read by the settings, so a new service needs no settings edit. It looks at files only (besides the
``services`` package itself nothing is imported: the app registry is not loaded yet).
"""

from __future__ import annotations

import importlib
from pathlib import Path


def service_apps(package: str = "services") -> list[str]:
    found = []
    for location in importlib.import_module(package).__path__:
        for folder in sorted(Path(location).iterdir()):
            if folder.name.startswith(("_", ".")) or not (folder / "__init__.py").is_file():
                continue
            if (folder / "apps.py").is_file() or (folder / "apps" / "__init__.py").is_file():
                found.append(f"{package}.{folder.name}")
    return found
