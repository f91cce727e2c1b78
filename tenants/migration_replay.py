"""One migration's SQL, made once, replayed in every town schema that needs it.

Town schemas are replays of the template's DDL and have applied the same migrations, so
a pending migration that only changes the schema (no RunPython, no RunSQL, nothing that
reads the database to decide) produces the same statements in each of them; a migration
of an app that lives only in public does nothing there at all (the router skips every
operation, data migrations included) and is only recorded. Those are
collected once per set of applied migrations, with Django's schema editor in
``collect_sql`` mode under the first schema of the set (still at the old state: the
editor's catalogue look-ups, e.g. a constraint's name, see what the others have), and
then sent to each schema in one round trip: the statements, the migrations recorded in
its ``django_migrations`` and the content types ``post_migrate`` would add, in one
transaction. A schema either has all of it or none, so a failed run resumes like any
other: it is still pending the next time.

Everything else goes the usual way (``tenants.migrating``): a plan with a data
migration or an operation not known to be plain DDL, a non-atomic migration, signal
receivers this module does not know, squashed migrations, a schema without a migration
table, and any schema where the replay failed (tried once more Django's way).
``MIGRATION_SQL_ONCE=false`` turns it off.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, connections
from django.db.migrations import operations as ops

from tenants import migration_state
from tenants.schemas import quote

PUBLIC = "public"

# Operations whose effect is their DDL alone: the same statements in every schema at the same state.
# RenameModel is not here: contenttypes' pre_migrate receiver adds a data operation to rename its type.
PLAIN_DDL = frozenset({
    ops.CreateModel, ops.DeleteModel, ops.AlterModelTable, ops.AlterModelTableComment, ops.AlterUniqueTogether,
    ops.AlterIndexTogether, ops.AlterOrderWithRespectTo, ops.AlterModelOptions, ops.AlterModelManagers,
    ops.AddIndex, ops.RemoveIndex, ops.RenameIndex, ops.AddConstraint, ops.RemoveConstraint,
    ops.AddField, ops.RemoveField, ops.AlterField, ops.RenameField,
    *([ops.AlterConstraint] if hasattr(ops, "AlterConstraint") else []),
})

# The receivers of migrate's signals whose work in a town schema the replay does itself (content types)
# or that do nothing there (permissions and the catalogue live in public). Any other receiver: Django's way.
KNOWN_RECEIVERS = frozenset({
    "django.contrib.contenttypes.management.inject_rename_contenttypes_operations",
    "django.contrib.contenttypes.management.create_contenttypes",
    "django.contrib.auth.management.create_permissions",
    "catalog.apps._sync_after_migrate",
})


@dataclass
class Replay:
    """What every schema of one set of applied migrations gets."""

    migrations: list[tuple[str, str]]
    statements: list[str]
    content_types: list[tuple[str, str]]


def _receiver_names() -> set[str]:
    import weakref

    from django.db.models.signals import post_migrate, pre_migrate

    names = set()
    for signal in (pre_migrate, post_migrate):
        for entry in signal.receivers:
            receiver = entry[1]
            if isinstance(receiver, weakref.ReferenceType):
                receiver = receiver()
            if receiver is not None:
                names.add(f"{getattr(receiver, '__module__', '?')}.{getattr(receiver, '__qualname__', '?')}")
    return names


def replayable(plan) -> str | None:
    """Why this plan cannot be replayed in the current (town) schema, or None when it can.

    Migrations of apps whose tables live only in public (the router refuses them here) do nothing in a
    town schema, whatever their operations; they are only recorded, as Django's command does.
    """
    from django.db import router

    for migration, backwards in plan:
        name = f"{migration.app_label}.{migration.name}"
        if backwards:
            return f"{name} is unapplied"
        if not router.allow_migrate(connection.alias, migration.app_label):
            continue
        if not migration.atomic:
            return f"{name} is not atomic"
        for operation in migration.operations:
            if type(operation) not in PLAIN_DDL:
                return f"{name} has {type(operation).__name__}"
    unknown = _receiver_names() - KNOWN_RECEIVERS
    if unknown:
        return f"migrate signal receivers {sorted(unknown)}"
    return None


def applied_by_schema(schemas: list[str]) -> dict[str, frozenset[tuple[str, str]]]:
    """Each schema's applied migrations, read in a few round trips (schemas without the table are left out)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_schema FROM information_schema.tables "
                       "WHERE table_name = 'django_migrations' AND table_schema = ANY(%s)", [list(schemas)])
        present = {row[0] for row in cursor.fetchall()}
        listed: dict[str, str] = {}
        ordered = [s for s in schemas if s in present]
        for start in range(0, len(ordered), 500):
            chunk = ordered[start:start + 500]
            cursor.execute(" UNION ALL ".join(
                f"SELECT %s, string_agg(app || '.' || name, ',' ORDER BY app, name) FROM {quote(s)}.django_migrations"
                for s in chunk), chunk)
            listed.update(cursor.fetchall())
    parsed: dict[str, frozenset] = {}
    result = {}
    for schema, text in listed.items():
        if text not in parsed:
            parsed[text] = frozenset(tuple(item.split(".", 1)) for item in (text or "").split(",") if item)
        result[schema] = parsed[text]
    return result


def prepare(first_schema: str, applied: frozenset) -> tuple[Replay | None, str]:
    """The replay for schemas that have applied ``applied``, collected under ``first_schema``; or why not."""
    from django.db.migrations.recorder import MigrationRecorder

    loader = migration_state.process_loader()
    if loader is None:
        return None, "squashed migrations"
    previous = connection.schema_name
    try:
        connection.set_schema(first_schema)
        loader.applied_migrations = dict.fromkeys(applied)
        migration_state.check_consistent_history(loader, applied)
        executor = migration_state.Executor.make(loader, MigrationRecorder(connection))
        plan = executor.migration_plan(loader.graph.leaf_nodes())
        if not plan:
            return None, "nothing to apply"
        why = replayable(plan)
        if why:
            return None, why
        state = migration_state.project_state(executor, applied).clone()
        statements: list[str] = []
        for migration, _backwards in plan:
            with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
                state = migration.apply(state, editor, collect_sql=True)
            statements += editor.collected_sql
        content_types = sorted(migration_state.content_types_wanted(migration_state.final_apps(state)))
    finally:
        connection.set_schema(previous) if previous != PUBLIC else connection.set_schema_to_public()
    return Replay([(m.app_label, m.name) for m, _ in plan], statements, content_types), ""


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def script(schema: str, replay: Replay) -> str:
    """Everything one schema gets, as one transaction (sent without parameters: one round trip)."""
    path = ", ".join(quote(s) for s in [schema, PUBLIC, *getattr(settings, "PG_EXTRA_SEARCH_PATHS", [])])
    recorded = ", ".join(f"({_literal(app)}, {_literal(name)}, now())" for app, name in replay.migrations)
    lines = ["BEGIN;", f"SET LOCAL search_path = {path};", *replay.statements,
             f"INSERT INTO {quote(schema)}.django_migrations (app, name, applied) VALUES {recorded};"]
    if replay.content_types:
        values = ", ".join(f"({_literal(app)}, {_literal(model)})" for app, model in replay.content_types)
        lines.append(
            f"INSERT INTO {quote(schema)}.django_content_type (app_label, model) SELECT v.app_label, v.model "
            f"FROM (VALUES {values}) AS v(app_label, model) WHERE NOT EXISTS (SELECT 1 FROM "
            f"{quote(schema)}.django_content_type c WHERE c.app_label = v.app_label AND c.model = v.model);")
    lines.append("COMMIT;")
    return "\n".join(lines)


def _apply(schema: str, replay: Replay) -> tuple[str, float, str | None]:
    started = time.perf_counter()
    db = connections["default"]  # this thread's own connection
    db.ensure_connection()
    raw = db.connection
    try:
        raw.execute(script(schema, replay))
    except Exception as exc:  # reported per schema; the schema is left as it was
        try:
            raw.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 (a broken connection: the next schema gets a new one)
            db.close()
        return schema, time.perf_counter() - started, f"{type(exc).__name__}: {exc}".strip()
    return schema, time.perf_counter() - started, None


def migrate_by_replay(schemas: list[str], *, workers: int, verbosity: int, write, collect) -> list[str]:
    """Replay where possible; returns the schemas left for Django's way (not replayable, or replay failed)."""
    if not settings.MIGRATION_SQL_ONCE or not schemas:
        return list(schemas)
    groups: dict[frozenset, list[str]] = defaultdict(list)
    applied = applied_by_schema(schemas)
    left = [s for s in schemas if s not in applied]
    for schema in schemas:
        if schema in applied:
            groups[applied[schema]].append(schema)
    jobs: list[tuple[str, Replay]] = []
    for members in groups.values():
        try:
            replay, why = prepare(members[0], applied[members[0]])
        except Exception as exc:  # e.g. an inconsistent history: Django's way reports it per schema
            replay, why = None, f"{type(exc).__name__}: {exc}"
        if replay is None:
            if verbosity:
                write(f"{len(members)} schema(s) go Django's way: {why}")
            left += members
            continue
        if verbosity:
            names = ", ".join(f"{app}.{name}" for app, name in replay.migrations)
            count = sum(1 for statement in replay.statements if not statement.startswith("--"))
            write(f"{len(members)} schema(s): {names} as {count} statement(s) made once")
        jobs += [(schema, replay) for schema in members]
    if not jobs:
        return left
    # The work is PostgreSQL's; threads with a connection each are enough to keep it busy.
    queue = iter(jobs)
    lock = threading.Lock()
    results: list[tuple[str, float, str | None]] = []

    def drain() -> None:
        try:
            while True:
                with lock:
                    job = next(queue, None)
                if job is None:
                    return
                outcome = _apply(*job)
                with lock:
                    results.append(outcome)
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=drain, name=f"replay-{n}") for n in range(max(1, min(workers, len(jobs))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for schema, seconds, error in sorted(results):
        if error:
            write(f"{schema}: replay failed after {seconds:.2f} s ({error.splitlines()[0]}); trying Django's way")
            left.append(schema)
        else:
            collect(schema, seconds)
    return left
