"""The platform's Keycloak themes (``identity/keycloak_theme/``) packaged as a theme JAR for Keycloak's
``providers/`` folder, so a production Keycloak gets exactly the themes of this release without copying folders.

A theme JAR is a zip with ``META-INF/keycloak-themes.json`` naming each theme and its types, and the files
under ``theme/<name>/<type>/``. The archive is reproducible: entries sorted, fixed timestamps and modes, so the
same release always gives the same bytes (an operator can compare checksums).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

THEMES = Path(__file__).resolve().parent / "keycloak_theme"
# Zip timestamps cannot predate 1980; any fixed moment makes the archive reproducible.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def theme_files(source: Path = THEMES) -> dict[str, bytes]:
    """``{"theme/<name>/<type>/<path>": content}`` for every file of every theme in ``source``."""
    files = {}
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        relative = path.relative_to(source)
        if len(relative.parts) < 3 or any(part.startswith(".") for part in relative.parts):
            continue  # a theme's files live in <name>/<type>/...
        files[f"theme/{relative.as_posix()}"] = path.read_bytes()
    return files


def descriptor(files: dict[str, bytes]) -> dict:
    """``META-INF/keycloak-themes.json``: each theme with the types it provides."""
    types: dict[str, set[str]] = {}
    for name in files:
        _, theme, kind = name.split("/")[:3]
        types.setdefault(theme, set()).add(kind)
    return {"themes": [{"name": theme, "types": sorted(kinds)} for theme, kinds in sorted(types.items())]}


def build_theme_jar(target: Path, source: Path = THEMES) -> dict:
    """Write the JAR to ``target`` (replacing it only once complete) and return its descriptor."""
    files = theme_files(source)
    if not files:
        raise ValueError(f"no theme files under {source}")
    meta = descriptor(files)
    entries = {"META-INF/keycloak-themes.json": (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode(),
               **files}
    partial = target.with_name(f".{target.name}.partial")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as jar:
            for name in sorted(entries):
                info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                jar.writestr(info, entries[name])
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return meta
