"""Migrations across hundreds of town schemas.

Per-schema state is read in one round trip (``pending_by_schema``); schemas
with nothing to apply are skipped, the rest are migrated by a pool of worker
processes. Each schema records its own applied migrations, so a run that
failed part-way resumes where it stopped: finished schemas have nothing
pending and are skipped the next time.

Django's ``migrate`` builds the project state by replaying the whole migration
history and renders every model from it, twice, for each schema it runs in;
across a thousand town schemas that was nearly all of the time. Town schemas
that have applied the same migrations have the same state, so each worker
process builds it once per set of applied migrations and applies the pending
migrations' operations from a copy (``MIGRATION_REUSE_STATE``; off: Django's
own command per schema, as before). Before that, a pending migration that is plain
DDL is made into SQL once and replayed in each schema (``tenants.migration_replay``,
``MIGRATION_SQL_ONCE``); this per-schema way takes what the replay cannot.
"""

from __future__ import annotations

import contextlib
import functools
import io
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, connections
from django_tenants.utils import schema_exists

from tenants import migration_state
from tenants.migration_replay import migrate_by_replay
from tenants.models import Town, TownStatus
from tenants.schemas import TEMPLATE_SCHEMA, install_clone_function, pending_by_schema, quote

PUBLIC = "public"


def town_schemas() -> list[str]:
    """The schemas migrations keep current: the template and every town not offboarded."""
    towns = Town.objects.exclude(status=TownStatus.OFFBOARDED).order_by("schema_name")
    return [TEMPLATE_SCHEMA, *towns.values_list("schema_name", flat=True)]


def migration_status() -> list[tuple[str, int]]:
    """(schema, number of pending migrations) for public, the template and each town."""
    schemas = [PUBLIC, *town_schemas()]
    pending = pending_by_schema(schemas)
    return [(schema, pending[schema]) for schema in schemas]


def ensure_template_schema() -> None:
    """Create and migrate the template schema if it is missing or behind."""
    if not schema_exists(TEMPLATE_SCHEMA):
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(TEMPLATE_SCHEMA)}")
    if pending_by_schema([TEMPLATE_SCHEMA])[TEMPLATE_SCHEMA]:
        migrate_schema_in_process(TEMPLATE_SCHEMA)
    install_clone_function()


def migrate_schema_in_process(schema: str, verbosity: int = 0, *, reuse_state: bool | None = None) -> str:
    """Apply pending migrations to one schema on the current connection; returns the log."""
    from django_tenants.migration_executors.base import run_migrations

    if reuse_state is None:
        reuse_state = settings.MIGRATION_REUSE_STATE
    if reuse_state and schema != PUBLIC:
        return _migrate_reusing_state(schema, verbosity)
    out = io.StringIO()
    options = {**_migrate_defaults(), "verbosity": verbosity, "interactive": False, "skip_checks": True}
    previous = connection.schema_name
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            run_migrations(args=[], options=options, executor_codename="kiverbund", schema_name=schema)
    finally:
        connection.set_schema(previous) if previous != PUBLIC else connection.set_schema_to_public()
    return out.getvalue()


def _migrate_reusing_state(schema: str, verbosity: int) -> str:
    """What ``migrate`` does for one schema, with the project state built once per process.

    Same plan, same operations in the same transactions, the same migrations recorded and the
    same pre/post_migrate signals as Django's command; the state each operation starts from is
    copied from the process' cache instead of being rebuilt from the whole history, and the
    schema's migration table is read once instead of six times.
    """
    from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.recorder import MigrationRecorder

    out = io.StringIO()
    previous = connection.schema_name
    try:
        # As django-tenants does: the schema's own django_migrations, never public's.
        connection.set_schema(schema, include_public=False)
        recorder = MigrationRecorder(connection)
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"{quote(schema)}.django_migrations"])
            recorder._has_table = cursor.fetchone()[0]
        recorder.ensure_schema()
        connection.set_schema(schema)
        loader = migration_state.process_loader()
        if loader is None:
            executor = MigrationExecutor(connection)
            loader = executor.loader
        else:
            loader.applied_migrations = recorder.applied_migrations()
            executor = migration_state.Executor.make(loader, recorder)
        migration_state.check_consistent_history(loader, loader.applied_migrations)
        targets = loader.graph.leaf_nodes()
        plan = executor.migration_plan(targets)
        if not plan:
            return ""
        applied = frozenset(loader.applied_migrations)
        state = migration_state.project_state(executor, applied)
        emit_pre_migrate_signal(verbosity, False, connection.alias, stdout=out, apps=state.apps, plan=plan)
        if verbosity:
            out.write(f"{schema}: applying {', '.join(f'{m.app_label}.{m.name}' for m, _ in plan)}\n")
        post_state = executor.migrate(targets, plan=plan, state=state.clone(), fake=False, fake_initial=False)
        key = (applied, tuple((migration.app_label, migration.name) for migration, _ in plan))
        post_apps = migration_state.post_apps_cache.get(key)
        if post_apps is None:
            post_apps = migration_state.final_apps(post_state)
            migration_state.post_apps_cache[key] = post_apps
        migration_state.add_content_types(post_apps)
        emit_post_migrate_signal(verbosity, False, connection.alias, stdout=out, apps=post_apps, plan=plan)
    finally:
        connection.set_schema(previous) if previous != PUBLIC else connection.set_schema_to_public()
    return out.getvalue()


@functools.cache
def _migrate_defaults() -> dict:
    """Every option of Django's migrate command at its default, as ``call_command`` would pass them."""
    from django_tenants.utils import get_tenant_base_migrate_command_class

    command = get_tenant_base_migrate_command_class()()
    parser = command.create_parser("manage.py", "migrate")
    return vars(parser.parse_args([]))


def _worker_migrate(schema: str, verbosity: int) -> tuple[str, float, str | None]:
    started = time.perf_counter()
    try:
        migrate_schema_in_process(schema, verbosity)
    except Exception as exc:  # reported per schema; the run goes on with the others
        connections.close_all()
        return schema, time.perf_counter() - started, f"{type(exc).__name__}: {exc}"
    if not settings.MIGRATION_REUSE_STATE:
        connections.close_all()
    # Otherwise the worker keeps its connection for the next schema (the search path is set per schema).
    return schema, time.perf_counter() - started, None


@dataclass
class MigrationReport:
    checked: int = 0
    skipped: int = 0
    migrated: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


def migrate_all(*, workers: int | None = None, verbosity: int = 1, include_public: bool = True,
                write=print) -> MigrationReport:
    started = time.perf_counter()
    report = MigrationReport()
    if include_public:
        if pending_by_schema([PUBLIC])[PUBLIC]:
            write("public: applying migrations")
            log = migrate_schema_in_process(PUBLIC, verbosity)
            if verbosity > 1:
                write(log)
            report.migrated.append(PUBLIC)
        report.checked += 1
    ensure_template_schema()

    schemas = town_schemas()
    pending = pending_by_schema(schemas)
    todo = [schema for schema in schemas if pending[schema]]
    report.checked += len(schemas)
    report.skipped = report.checked - len(todo) - len(report.migrated)
    workers = max(1, min(workers or settings.MIGRATION_WORKERS, len(todo) or 1))
    if todo:
        write(f"{len(todo)} of {len(schemas)} town schemas have pending migrations; {workers} worker(s)")
    if todo and settings.MIGRATION_REUSE_STATE:
        todo = migrate_by_replay(todo, workers=workers, verbosity=verbosity, write=write,
                                 collect=lambda schema, seconds: _collect(report, (schema, seconds, None), write))
    if len(todo) == 1 or workers == 1:
        for schema in todo:
            _collect(report, _worker_migrate(schema, verbosity), write)
    elif todo:
        # Forked workers inherit the loaded app registry; they must not share our connection.
        connections.close_all()
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(_worker_migrate, schema, verbosity) for schema in todo]
            for future in as_completed(futures):
                _collect(report, future.result(), write)
    report.seconds = time.perf_counter() - started
    return report


def _collect(report: MigrationReport, result: tuple[str, float, str | None], write) -> None:
    schema, seconds, error = result
    if error:
        report.failed[schema] = error
        write(f"{schema}: FAILED after {seconds:.2f} s: {error}")
    else:
        report.migrated.append(schema)
        write(f"{schema}: migrated in {seconds:.2f} s")
