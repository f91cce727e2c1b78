"""Export all of a town's data: one JSON file per model, its files, and a manifest."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.utils import timezone
from django_tenants.utils import schema_context

from kiverbund.audit.log import actor_name, log_action
from kiverbund.audit.models import AuditEntry
from tenants.actions.errors import TownError
from tenants.models import Domain, Membership, Town, TownExport, TownStatus

FORMAT = "kiverbund-town-export"
FORMAT_VERSION = 1


def town_media_dir(town: Town) -> Path:
    return Path(settings.MEDIA_ROOT) / town.schema_name


def tenant_models() -> list:
    """Every model stored in a town's schema (the town's own data)."""
    shared = set(settings.SHARED_APPS)
    labels = [app for app in settings.TENANT_APPS if app not in shared]
    return [model for app in labels for model in apps.get_app_config(app.rsplit(".", 1)[-1]).get_models()]


def _public_querysets(town: Town) -> list[tuple[str, Any]]:
    return [
        ("public/tenants.town.json", Town.objects.filter(pk=town.pk)),
        ("public/tenants.domain.json", Domain.objects.filter(tenant=town)),
        ("public/tenants.membership.json", Membership.objects.filter(town=town).select_related("user")),
        ("public/audit.auditentry.json", AuditEntry.objects.filter(town=town).order_by("id")),
    ]


def _write_json(archive: zipfile.ZipFile, name: str, queryset, files: list[dict]) -> None:
    """Stream ``queryset`` as a Django JSON fixture into the archive, counting and hashing it."""
    rows = 0
    digest = hashlib.sha256()
    with tempfile.TemporaryFile() as buffer:
        def emit(data: bytes) -> None:
            buffer.write(data)
            digest.update(data)

        emit(b"[\n")
        for obj in queryset.iterator(chunk_size=2000):
            record = serializers.serialize("json", [obj])[1:-1].strip()
            emit((b",\n" if rows else b"") + record.encode())
            rows += 1
        emit(b"\n]\n")
        buffer.seek(0)
        with archive.open(name, "w") as member:
            for chunk in iter(lambda: buffer.read(1 << 16), b""):
                member.write(chunk)
    files.append({"path": name, "rows": rows, "sha256": digest.hexdigest(), "kind": "model"})


def export_town(town: Town, out: str | Path | None = None, *, actor: Any = None) -> TownExport:
    """Write the zip to ``out`` (or below EXPORT_ROOT) and record it; returns the record."""
    if town.status == TownStatus.OFFBOARDED:
        raise TownError(f"{town.name} ist abgemeldet; es gibt keine Daten mehr. / The town was offboarded.")
    created = timezone.now()
    if out is None:
        out = Path(settings.EXPORT_ROOT) / town.ags / f"{town.slug}-{created:%Y%m%dT%H%M%S}.zip"
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    files: list[dict] = []
    handle, tmp_name = tempfile.mkstemp(prefix=".export-", suffix=".zip", dir=out.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(tmp_name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, queryset in _public_querysets(town):
                _write_json(archive, name, queryset, files)
            with schema_context(town.schema_name):
                for model in tenant_models():
                    label = model._meta.label_lower
                    _write_json(archive, f"town/{label}.json", model.objects.order_by("pk"), files)
            media = town_media_dir(town)
            if media.is_dir():
                for path in sorted(p for p in media.rglob("*") if p.is_file()):
                    relative = path.relative_to(media).as_posix()
                    archive.write(path, f"files/{relative}")
                    files.append({"path": f"files/{relative}", "bytes": path.stat().st_size,
                                  "sha256": _file_sha256(path), "kind": "file"})
            manifest = {
                "format": FORMAT, "format_version": FORMAT_VERSION, "created_at": created.isoformat(),
                "created_by": actor_name(actor),
                "town": {"ags": town.ags, "name": town.name, "schema": town.schema_name, "host": town.host},
                "files": files,
            }
            archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        os.replace(tmp_name, out)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    record = TownExport.objects.create(
        town=town, created_by=actor_name(actor), path=str(out), size_bytes=out.stat().st_size,
        sha256=_file_sha256(out), manifest={k: v for k, v in manifest.items() if k != "files"}
        | {"file_count": len(files), "rows": sum(f.get("rows", 0) for f in files)},
    )
    log_action("tenants.town.exported", actor=actor, town=town, path=str(out), sha256=record.sha256,
               rows=record.manifest["rows"], files=len(files))
    return record


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_export(path: str | Path) -> dict:
    """Check every file in an export against its manifest; returns the manifest."""
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        for entry in manifest["files"]:
            digest = hashlib.sha256(archive.read(entry["path"])).hexdigest()
            if digest != entry["sha256"]:
                raise TownError(f"{entry['path']}: checksum mismatch")
    return manifest
