"""Export all of a town's data: one JSON file per model, its files, and a manifest.

A town's data is its own schema (every tenant model) plus its rows in the
public schema: every shared model from which a chain of foreign keys leads to
the town (subscriptions, checklist, register entries and their versions, usage,
statements, invitations, audit entries …). The public models are found by
walking the foreign keys, not listed by hand, so that a model added later is
exported without anyone remembering to add it here.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
import zipfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from core.audit.log import actor_name, log_action
from core.tasks import registered_task
from tenants.actions.errors import TownError
from tenants.models import Town, TownExport, TownStatus

FORMAT = "kiverbund-town-export"
# 2: every public model with a path to the town; foreign keys to users and content types by natural key.
FORMAT_VERSION = 2
# Longest chain of foreign keys followed from a public model to the town.
MAX_PATH_DEPTH = 4


def town_media_dir(town: Town) -> Path:
    return Path(settings.MEDIA_ROOT) / town.schema_name


def tenant_models() -> list:
    """Every model stored in a town's schema (the town's own data)."""
    shared = set(settings.SHARED_APPS)
    labels = [app for app in settings.TENANT_APPS if app not in shared]
    return [model for app in labels for model in apps.get_app_config(app.rsplit(".", 1)[-1]).get_models()]


def _forward_relations(model: type[Model]) -> list:
    """Foreign keys, one-to-one and many-to-many fields declared on ``model`` (not reverse relations)."""
    return [f for f in model._meta.get_fields()
            if f.is_relation and f.concrete and f.related_model is not None
            and (f.many_to_one or f.one_to_one or f.many_to_many)]


def town_paths(model: type[Model], *, depth: int = MAX_PATH_DEPTH) -> list[str]:
    """Every ORM lookup from ``model`` along foreign keys to ``Town`` (``town``, ``subscription__town`` …)."""
    if model is Town:
        return ["pk"]
    paths: list[str] = []

    def walk(current: type[Model], prefix: str, seen: frozenset) -> None:
        if len(seen) > depth:
            return
        for field in _forward_relations(current):
            target = field.related_model
            if target is Town:
                paths.append(prefix + field.name)
            elif target not in seen:
                walk(target, f"{prefix}{field.name}__", seen | {target})

    walk(model, "", frozenset({model}))
    return sorted(set(paths))


def shared_models() -> list[type[Model]]:
    """Concrete models of the apps in the public schema (SHARED_APPS), join tables included."""
    shared = set(settings.SHARED_APPS)
    return [model for config in apps.get_app_configs() if config.name in shared
            for model in config.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy]


def public_town_models() -> list[tuple[type[Model], list[str]]]:
    """Public models holding rows of a town, with the lookups that tie a row to it; the town first."""
    found = [(model, town_paths(model)) for model in shared_models()]
    found = [(model, paths) for model, paths in found if paths]
    return sorted(found, key=lambda item: (item[0] is not Town, item[0]._meta.label_lower))


def _public_querysets(town: Town) -> list[tuple[str, list[str], Any]]:
    rows = []
    for model, paths in public_town_models():
        manager = model._base_manager
        condition = Q()
        for path in paths:
            condition |= Q(**{path: town.pk})
        # Several paths (or a many-to-many) would repeat a row in a join; select the keys first.
        queryset = manager.filter(pk__in=manager.filter(condition).values("pk")).order_by("pk")
        rows.append((f"public/{model._meta.label_lower}.json", paths, queryset))
    return rows


def _write_json(archive: zipfile.ZipFile, name: str, queryset, files: list[dict], **extra: Any) -> None:
    """Stream ``queryset`` as a Django JSON fixture into the archive, counting and hashing it."""
    rows = 0
    digest = hashlib.sha256()
    with tempfile.TemporaryFile() as buffer:
        def emit(data: bytes) -> None:
            buffer.write(data)
            digest.update(data)

        emit(b"[\n")
        for obj in queryset.iterator(chunk_size=2000):
            # Natural keys make references to users and content types readable outside this platform.
            record = serializers.serialize("json", [obj], use_natural_foreign_keys=True)[1:-1].strip()
            emit((b",\n" if rows else b"") + record.encode())
            rows += 1
        emit(b"\n]\n")
        buffer.seek(0)
        with archive.open(name, "w") as member:
            for chunk in iter(lambda: buffer.read(1 << 16), b""):
                member.write(chunk)
    files.append({"path": name, "rows": rows, "sha256": digest.hexdigest(), "kind": "model", **extra})


def request_export(town: Town, *, actor: Any = None) -> str:
    """Queue an export of ``town`` (the Celery task ``tenants.export_town``) once this transaction commits.

    Returns the request's id, which names the zip (``<slug>-<id>.zip`` below EXPORT_ROOT/<AGS>/). The
    task may run more than once (a worker killed half-way hands it on): it writes the same file and
    records it once.
    """
    if town.status == TownStatus.OFFBOARDED:
        raise TownError(_("%(town)s was offboarded; its data is gone.") % {"town": town.name})
    request_id = f"{timezone.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    arguments = {"town_id": town.pk, "request_id": request_id, "actor": actor_name(actor)}
    log_action("tenants.town.export_requested", actor=actor, town=town, request=request_id)
    # By name: tasks import actions, never the reverse.
    transaction.on_commit(lambda: registered_task("tenants.export_town").apply_async(kwargs=arguments))
    return request_id


def requested_export_path(town: Town, request_id: str) -> Path:
    return (Path(settings.EXPORT_ROOT) / town.ags / f"{town.slug}-{request_id}.zip").resolve()


def run_requested_export(town_id: int, request_id: str, *, actor: Any = None) -> TownExport | None:
    """The queued export ``request_id``; once only, however often it is delivered. None if the town is gone."""
    town = Town.objects.filter(pk=town_id).first()
    if town is None or town.status == TownStatus.OFFBOARDED:
        return None
    out = requested_export_path(town, request_id)
    done = TownExport.objects.filter(town=town, path=str(out)).first()
    if done is not None:
        return done
    # What an earlier, killed delivery of this request left half-written.
    for leftover in out.parent.glob(f".export-{request_id}-*"):
        leftover.unlink(missing_ok=True)
    return export_town(town, out, actor=actor, temp_prefix=f".export-{request_id}-", record_once=True)


def export_town(town: Town, out: str | Path | None = None, *, actor: Any = None,
                temp_prefix: str = ".export-", record_once: bool = False) -> TownExport:
    """Write the zip to ``out`` (or below EXPORT_ROOT) and record it; returns the record.

    The zip is written to a temporary file beside ``out`` and renamed when complete: ``out`` is
    never half-written.
    """
    if town.status == TownStatus.OFFBOARDED:
        raise TownError(_("%(town)s was offboarded; its data is gone.") % {"town": town.name})
    created = timezone.now()
    if out is None:
        out = Path(settings.EXPORT_ROOT) / town.ags / f"{town.slug}-{created:%Y%m%dT%H%M%S}.zip"
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    files: list[dict] = []
    handle, tmp_name = tempfile.mkstemp(prefix=temp_prefix, suffix=".zip", dir=out.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(tmp_name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, paths, queryset in _public_querysets(town):
                _write_json(archive, name, queryset, files, schema="public", via=paths)
            with schema_context(town.schema_name):
                for model in tenant_models():
                    label = model._meta.label_lower
                    _write_json(archive, f"town/{label}.json", model._base_manager.order_by("pk"), files,
                                schema=town.schema_name)
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
    with transaction.atomic():
        if record_once:
            # Two deliveries of one request running side by side: the first to get here records it.
            Town.objects.select_for_update().filter(pk=town.pk).first()
            earlier = TownExport.objects.filter(town=town, path=str(out)).first()
            if earlier is not None:
                return earlier
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
