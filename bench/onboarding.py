"""Benchmark: onboarding a town, and migrations across every town schema.

    .venv/bin/python bench/onboarding.py [--towns 1000] [--samples 15]

Prints figures and the targets they are held against; asserts nothing about
time (the resume check at the end does fail the run if resuming misbehaves).
See bench/README.md for what each figure means and the last measured values.

1. Onboarding one town (``onboard_town``: row, host, schema cloned from the
   template, audit entry) at 10 and at ``--towns`` existing towns, against the
   classic way of creating the schema (``CREATE SCHEMA`` + ``migrate_schemas
   --schema``, what django-tenants' ``TenantMixin.create_schema`` does without
   a base schema). Each sample runs in a transaction that is rolled back, so
   the number of towns stays put while sampling.
2. ``manage.py migrate`` with nothing to apply over all town schemas, against
   django-tenants' stock ``migrate_schemas --tenant``.
3. ``manage.py migrate`` applying one generated migration (a throwaway town
   app in a temporary directory) to every town schema, once per way in the same
   run (``--ways``): Django's ``migrate`` per schema (``MIGRATION_REUSE_STATE=false``),
   the project state built once per worker process (``MIGRATION_SQL_ONCE=false``),
   and the SQL made once and replayed per schema (the default); then
   a resume check: a third migration is made to fail in a few schemas, and the
   rerun must migrate exactly those.

``--migrations-only`` skips the onboarding samples (1.) and the no-op runs (2.).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    BENCH_DIR,
    DEFAULT_DB,
    Clock,
    bench_env,
    drop_database,
    last_line,
    manage,
    median,
    postgres_bin,
    ratio,
    recreate_database,
    server_url,
    spread,
    verdict,
)

SMALL = 10
TARGET_ONBOARD_SECONDS = 0.5
TARGET_GROWTH = 1.2
TARGET_NOOP_MIGRATE_SECONDS = 30.0
# One new migration across 1,000 town schemas, to fit a maintenance window.
TARGET_NEW_MIGRATION_SECONDS_PER_1000 = 60.0
TEMP_APP = "kvbench_tmp"
BROKEN_SCHEMAS = 3


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--towns", type=int, default=1000, help="the large number of towns (default 1000)")
    parser.add_argument("--samples", type=int, default=15, help="onboardings measured per level and way (default 15)")
    parser.add_argument("--db", default=DEFAULT_DB, help=f"benchmark database, dropped and created (default {DEFAULT_DB})")
    parser.add_argument("--noop-runs", type=int, default=3, help="runs of the no-op migrate (default 3; median printed)")
    parser.add_argument("--stock-limit", type=int, default=1000,
                        help="time stock migrate_schemas over all schemas up to this many towns, "
                             "above it over --stock-subset schemas and extrapolate (default 1000)")
    parser.add_argument("--stock-subset", type=int, default=100)
    parser.add_argument("--fill", choices=["dump", "clone"], default="dump",
                        help="how filler towns are made: replaying the DDL of one cloned town (dump, fast) "
                             "or one onboard_town each (clone, slow)")
    parser.add_argument("--keep-db", action="store_true", help="keep the benchmark database afterwards")
    parser.add_argument("--ways", type=lambda text: [w for w in text.split(",") if w], default=list(WAYS),
                        help="ways of applying one new migration, in this order (default classic,reuse,replay; "
                             "classic is Django's command per schema, by far the slowest)")
    parser.add_argument("--migrations-only", action="store_true",
                        help="only fill the towns and measure new migrations (no onboarding samples, no no-op runs)")
    parser.add_argument("--keycloak", action="store_true",
                        help="let onboarding create Keycloak Organizations too (Keycloak must be running); "
                             "off by default: the benchmark measures schemas and migrations")
    parser.add_argument("--stock-subset-worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    unknown = [way for way in args.ways if way not in WAYS]
    if unknown or not args.ways:
        parser.error(f"--ways: choose from {', '.join(WAYS)} (got {', '.join(unknown) or 'none'})")
    return args


# --- 1. onboarding ------------------------------------------------------------------------------------------------

class _Rollback(Exception):
    pass


def timed_rolled_back(action) -> float:
    """Seconds ``action`` takes inside a transaction that is then rolled back."""
    from django.db import transaction

    elapsed = 0.0
    try:
        with transaction.atomic():
            started = time.perf_counter()
            action()
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return elapsed


def sample_town(kind: int, index: int):
    from tenants.actions import TownData

    # Land 16 is never used by filler towns (Land 01); rolled back, so AGS may repeat across levels.
    return TownData(ags=f"16{kind}{index:05d}", name=f"Messgemeinde {kind}-{index}", population=5000 + index)


def onboard_by_clone(data) -> None:
    from tenants.actions import onboard_town

    _town, created = onboard_town(data, actor="bench")
    assert created


def onboard_by_clone_function(data) -> None:
    """``onboard_town`` with django-tenants' clone function instead of the template's replayed DDL."""
    from django.conf import settings

    settings.TOWN_SCHEMA_FROM_DUMP = False
    try:
        onboard_by_clone(data)
    finally:
        settings.TOWN_SCHEMA_FROM_DUMP = True


def onboard_by_migrations(data) -> None:
    """``onboard_town`` with the schema made the classic way: CREATE SCHEMA, then every migration."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from core.audit.log import log_action
    from tenants.models import Domain, Town, TownStatus

    clean = data.cleaned()
    with transaction.atomic():
        town = Town.objects.create(
            schema_name=Town.schema_name_for(clean.ags), name=clean.name, slug=clean.slug, ags=clean.ags,
            land=clean.land, kreis=clean.kreis, population=clean.population,
            population_date=clean.population_date, status=TownStatus.ONBOARDING,
        )
        Domain.objects.create(domain=town.host, tenant=town, is_primary=True)
        # TenantMixin.create_schema without a base schema:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {connection.ops.quote_name(town.schema_name)}")
        call_command("migrate_schemas", tenant=True, schema_name=town.schema_name, interactive=False, verbosity=0)
        connection.set_schema_to_public()
        log_action("tenants.town.onboarded", actor="bench", town=town, ags=town.ags, name=town.name,
                   host=town.host, population=town.population, status=town.status)


def fill_to(target: int, how: str) -> tuple[int, float]:
    """Bring the number of towns up to ``target``; returns (towns added, seconds)."""
    from django.db import connection

    from tenants.actions import TownData, onboard_town
    from tenants.models import Town

    started = time.perf_counter()
    current = Town.objects.count()
    missing = target - current
    if missing <= 0:
        return 0, 0.0
    first = current
    if how == "clone" or missing <= 20:
        for number in range(first, target):
            onboard_town(TownData(ags=f"01{number:06d}", name=f"Fuellgemeinde {number}", population=1000 + number),
                         actor="bench", activate=True)
    else:
        # One real onboarding, then its schema's DDL replayed under the other names: the same
        # tables, indexes and sequences a clone makes, at a fraction of the time.
        source, _ = onboard_town(TownData(ags=f"01{first:06d}", name=f"Fuellgemeinde {first}",
                                          population=1000 + first), actor="bench", activate=True)
        ddl = _schema_ddl(source.schema_name)
        connection.close()
        _replay(ddl, source.schema_name, [(number, Town.schema_name_for(f"01{number:06d}"))
                                          for number in range(first + 1, target)])
        _bulk_town_rows(range(first + 1, target))
    return missing, time.perf_counter() - started


def _schema_ddl(schema: str) -> str:
    from django.conf import settings

    database = settings.DATABASES["default"]
    result = subprocess.run(
        [postgres_bin("pg_dump"), "--schema-only", "--no-owner", "--no-privileges", "-n", schema,
         "-h", database["HOST"], "-p", str(database["PORT"]), "-U", database["USER"], database["NAME"]],
        check=True, capture_output=True, text=True,
    )
    # psql meta-commands (\restrict …) and the search_path reset are for psql sessions, not for us.
    keep = [line for line in result.stdout.splitlines()
            if not line.startswith("\\") and not line.startswith("--") and "set_config('search_path'" not in line]
    return "\n".join(keep)


def _replay(ddl: str, source_schema: str, targets: list[tuple[int, str]], batch: int = 25) -> None:
    import psycopg
    from django.conf import settings

    from tenants.schemas import TEMPLATE_SCHEMA

    # Each batch is one transaction and locks every object it creates: a batch of 25 town schemas stays
    # within the server's lock table (max_locks_per_transaction × max_connections).
    with psycopg.connect(settings.DATABASE_URL, autocommit=False) as conn:
        for start in range(0, len(targets), batch):
            statements = []
            for _number, schema in targets[start:start + batch]:
                statements.append(ddl.replace(source_schema, schema))
                statements.append(f'INSERT INTO "{schema}".django_migrations (app, name, applied) '
                                  f'SELECT app, name, applied FROM "{TEMPLATE_SCHEMA}".django_migrations;')
            conn.execute("\n".join(statements))
            conn.commit()


def _bulk_town_rows(numbers) -> None:
    from django.conf import settings
    from django.db import transaction

    from tenants.actions.onboarding import default_population_date
    from tenants.models import Domain, Town, TownStatus

    towns = [
        Town(schema_name=Town.schema_name_for(f"01{n:06d}"), name=f"Fuellgemeinde {n}", slug=f"fuellgemeinde-{n}",
             ags=f"01{n:06d}", land="01", kreis=f"01{n:06d}"[:5], population=1000 + n,
             population_date=default_population_date(), status=TownStatus.ACTIVE)
        for n in numbers
    ]
    with transaction.atomic():
        created = Town.objects.bulk_create(towns, batch_size=500)
        Domain.objects.bulk_create(
            [Domain(domain=f"{town.slug}.{settings.PLATFORM_DOMAIN}", tenant=town, is_primary=True)
             for town in created], batch_size=500)


def measure_level(level: int, samples: int, fill: str, clock: Clock) -> dict:
    from tenants.models import Town
    from tenants.schemas import analyze_catalogue

    added, seconds = fill_to(level, fill)
    if added:
        print(f"{clock} {added} filler towns made in {seconds:.1f} s ({fill})", flush=True)
    started = time.perf_counter()
    analyze_catalogue()
    print(f"{clock} analyze_catalogue(): {time.perf_counter() - started:.2f} s", flush=True)
    assert Town.objects.count() == level, Town.objects.count()
    # Warm-up, not counted: imports, the migration graph, plan caches.
    timed_rolled_back(lambda: onboard_by_clone(sample_town(9, 0)))
    timed_rolled_back(lambda: onboard_by_migrations(sample_town(9, 1)))
    timed_rolled_back(lambda: onboard_by_clone_function(sample_town(9, 2)))
    clone, function, plain = [], [], []
    for index in range(samples):
        # Interleaved, so that load from other processes on the machine hits all ways alike.
        clone.append(timed_rolled_back(lambda i=index: onboard_by_clone(sample_town(1, i))))
        function.append(timed_rolled_back(lambda i=index: onboard_by_clone_function(sample_town(3, i))))
        plain.append(timed_rolled_back(lambda i=index: onboard_by_migrations(sample_town(2, i))))
    assert Town.objects.count() == level
    print(f"{clock} at {level} towns: clone (DDL replay) {spread(clone)}; clone function {spread(function)}; "
          f"migrations {spread(plain)}", flush=True)
    return {"clone": clone, "function": function, "plain": plain}


# --- 2. no-op migrate ---------------------------------------------------------------------------------------------

def stock_subset_worker(count: int) -> None:
    """Run django-tenants' stock executor over the first ``count`` town schemas; print the seconds."""
    import django

    django.setup()
    from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
    from django_tenants.migration_executors import get_executor

    from tenants.models import Town

    schemas = list(Town.objects.order_by("schema_name").values_list("schema_name", flat=True)[:count])
    command = MigrateSchemasCommand()
    options = vars(command.create_parser("manage.py", "migrate_schemas").parse_args(["--tenant", "--noinput"]))
    executor = get_executor(codename=options.get("executor"))(args=(), options=options)
    started = time.perf_counter()
    executor.run_migrations(tenants=schemas)
    print(f"\nSTOCK_SUBSET {len(schemas)} {time.perf_counter() - started:.3f}")


def noop_migrate(env: dict, towns: int, args: argparse.Namespace, clock: Clock) -> dict:
    runs = []
    for _ in range(args.noop_runs):
        seconds, result = manage("migrate", env=env)
        runs.append(seconds)
        summary = last_line(result.stdout)
    print(f"{clock} manage.py migrate, nothing to apply: {spread(runs)} — {summary}", flush=True)
    seconds, result = manage("migration_status", "--pending-only", env=env)
    status = last_line(result.stdout)
    print(f"{clock} manage.py migration_status: {seconds:.2f} s — {status}", flush=True)

    if towns <= args.stock_limit:
        stock, _ = manage("migrate_schemas", "--tenant", "--noinput", env=env)
        stock_note = f"all {towns} schemas"
    else:
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--db", args.db,
                                 "--stock-subset-worker", str(args.stock_subset)],
                                env=env, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - started
        match = re.search(r"STOCK_SUBSET (\d+) ([\d.]+)", result.stdout)
        done, loop = int(match.group(1)), float(match.group(2))
        per_schema = loop / done
        stock = wall + (towns - done) * per_schema
        stock_note = (f"EXTRAPOLATED from {done} schemas ({wall:.1f} s wall, {per_schema * 1000:.0f} ms per schema) "
                      f"to {towns}")
    print(f"{clock} stock migrate_schemas --tenant: {stock:.1f} s ({stock_note})", flush=True)
    return {"runs": runs, "summary": summary, "status_seconds": seconds, "stock": stock, "stock_note": stock_note}


# --- 3. one new migration, and resuming ----------------------------------------------------------------------------

MODELS_HEAD = '''
from django.db import models
'''

# One table with an index per way of migrating: the same kind of migration each time.
PROBE = '''

class {name}(models.Model):
    label = models.CharField(max_length=100, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField(default=dict)
'''

SECOND_PROBE = '''

class SecondProbe(models.Model):
    probe = models.ForeignKey(Probe, on_delete=models.CASCADE)
    note = models.TextField(blank=True)
'''

# way: (model, migration name, environment of `migrate`, label)
WAYS = {
    "classic": ("Probe", "probe", {"MIGRATION_REUSE_STATE": "false"}, "Django's migrate per schema"),
    "reuse": ("OtherProbe", "other_probe", {"MIGRATION_REUSE_STATE": "true", "MIGRATION_SQL_ONCE": "false"},
              "state built once per worker"),
    "replay": ("ThirdProbe", "third_probe", {"MIGRATION_REUSE_STATE": "true", "MIGRATION_SQL_ONCE": "true"},
               "SQL made once, replayed per schema"),
}


def _write_app(root: Path, models: str) -> None:
    package = root / TEMP_APP
    (package / "migrations").mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "migrations" / "__init__.py").write_text("")
    (package / "models.py").write_text(models)


def _migrate_lines(output: str) -> tuple[dict[str, float], set[str], str]:
    migrated = {m.group(1): float(m.group(2)) for m in re.finditer(r"^(\S+): migrated in ([\d.]+) s", output, re.M)}
    failed = {m.group(1) for m in re.finditer(r"^(\S+): FAILED after", output, re.M)}
    summary = next((line for line in reversed(output.splitlines()) if "schemas checked" in line), "")
    return migrated, failed, summary


def new_migration(env_base: dict, args: argparse.Namespace, towns: int, clock: Clock) -> dict:
    import psycopg

    root = Path(tempfile.mkdtemp(prefix="kvbench_app_"))
    env = {**env_base, "DJANGO_SETTINGS_MODULE": "bench_settings", "KIVERBUND_BENCH_TENANT_APPS": TEMP_APP,
           "PYTHONPATH": os.pathsep.join([str(BENCH_DIR), str(root), env_base.get("PYTHONPATH", "")])}
    figures: dict = {}
    try:
        # The same kind of migration (one table with an index) each way, in the same run. The first model is
        # always Probe: the resume check's SecondProbe refers to it.
        models = MODELS_HEAD
        for number, way in enumerate(args.ways):
            model, name, way_env, label = WAYS[way]
            if number == 0:
                model = "Probe"
            models += PROBE.format(name=model)
            _write_app(root, models)
            manage("makemigrations", TEMP_APP, "--name", name, env=env)
            seconds, result = manage("migrate", env={**env, **way_env})
            migrated, failed, summary = _migrate_lines(result.stdout)
            towns_migrated = [s for s in migrated if s != "public"]
            figures[way] = dict(seconds=seconds, schemas=len(towns_migrated), summary=summary,
                                worker_mean=sum(migrated[s] for s in towns_migrated) / max(1, len(towns_migrated)))
            print(f"{clock} migrate applying {TEMP_APP}.{name} to {len(towns_migrated)} schemas ({label}): "
                  f"{seconds:.1f} s, {seconds / max(1, len(towns_migrated)) * 1000:.0f} ms per schema — {summary}",
                  flush=True)
            assert not failed and len(towns_migrated) == towns, (failed, len(towns_migrated))

        # Resume: a second migration that fails where its table is already in the way.
        _write_app(root, models + SECOND_PROBE)
        manage("makemigrations", TEMP_APP, "--name", "second", env=env)
        with psycopg.connect(server_url(args.db), autocommit=True) as conn:
            broken = [row[0] for row in conn.execute(
                "SELECT schema_name FROM tenants_town ORDER BY random() LIMIT %s", [BROKEN_SCHEMAS])]
            for schema in broken:
                conn.execute(f'CREATE TABLE "{schema}".{TEMP_APP}_secondprobe (in_the_way integer)')
        seconds, result = manage("migrate", env=env, check=False)
        migrated, failed, summary = _migrate_lines(result.stdout)
        figures.update(broken_run_seconds=seconds, broken_run_summary=summary, broken_exit=result.returncode)
        print(f"{clock} migrate {TEMP_APP}.0002 with {len(broken)} schemas made to fail: {seconds:.1f} s, "
              f"exit code {result.returncode} — {summary}", flush=True)
        print(f"    failed: {', '.join(sorted(failed))}")
        _, status = manage("migration_status", "--pending-only", env=env, check=False)
        print("    migration_status --pending-only:")
        for line in status.stdout.strip().splitlines():
            print(f"      {line}")
        with psycopg.connect(server_url(args.db), autocommit=True) as conn:
            for schema in broken:
                conn.execute(f'DROP TABLE "{schema}".{TEMP_APP}_secondprobe')
        seconds, result = manage("migrate", env=env)
        rerun, rerun_failed, summary = _migrate_lines(result.stdout)
        resumed_ok = (set(failed) == set(broken) and result.returncode == 0
                      and set(rerun) == set(broken) and not rerun_failed)
        figures.update(rerun_seconds=seconds, rerun_summary=summary, resumed_ok=resumed_ok)
        print(f"{clock} rerun after removing the obstacles: {seconds:.1f} s — {summary}")
        names = sorted(rerun)
        shown = ", ".join(names[:10]) + (f" … ({len(names)} in all)" if len(names) > 10 else "")
        print(f"    migrated: {shown} — " + ("exactly the schemas that had failed" if resumed_ok else
              "NOT the schemas that had failed (did a migration file appear in the repository during the run?)"),
              flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return figures


def print_migration_results(migration: dict, towns: int) -> None:
    target = TARGET_NEW_MIGRATION_SECONDS_PER_1000 * towns / 1000
    ways = [way for way in WAYS if way in migration]
    for way in ways:
        figures = migration[way]
        label = WAYS[way][3] + (" (before)" if way != "replay" else " (the product)")
        line = (f"migrate, one new migration, {figures['schemas']} schemas, {label}: {figures['seconds']:.1f} s, "
                f"{figures['seconds'] / figures['schemas'] * 1000:.0f} ms per schema wall clock "
                f"({figures['worker_mean'] * 1000:.0f} ms per schema in a worker)")
        if way == ways[-1]:
            line += f"   target ≤ {target:.0f} s: {verdict(figures['seconds'] <= target)}"
            for before in ways[:-1]:
                line += f"; {ratio(migration[before]['seconds'], figures['seconds'])} faster than {before}"
        print(line)
    print(f"    resume: {BROKEN_SCHEMAS} schemas failed ({migration['broken_run_seconds']:.1f} s), rerun migrated "
          f"{'only those' if migration['resumed_ok'] else 'SOMETHING ELSE'} in {migration['rerun_seconds']:.1f} s")


# --- run ----------------------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.keycloak:
        os.environ["KEYCLOAK_PROVISIONING"] = "true"
    env = bench_env(args.db)
    os.environ.update({key: env[key] for key in ("KIVERBUND_PROFILE", "DATABASE_URL", "DJANGO_SETTINGS_MODULE",
                                                 "KEYCLOAK_PROVISIONING")})
    if args.stock_subset_worker:
        stock_subset_worker(args.stock_subset_worker)
        return 0
    if args.towns <= SMALL:
        raise SystemExit(f"--towns must be more than {SMALL}")

    clock = Clock()
    load = os.getloadavg()
    print(f"KI-Verbund onboarding benchmark: {args.towns} towns, {args.samples} samples per level, "
          f"database {args.db}, {os.cpu_count()} CPUs, load average {load[0]:.2f} at start, "
          f"Keycloak provisioning {'on' if args.keycloak else 'off'}", flush=True)
    recreate_database(args.db)
    seconds, _ = manage("migrate", "-v", "0", env=env)
    print(f"{clock} fresh database migrated (public + template) in {seconds:.1f} s", flush=True)

    import django

    django.setup()
    from django.db import connection, connections

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    from importlib.metadata import version as package_version

    print(f"PostgreSQL {version}, Django {django.get_version()}, django-tenants {package_version('django-tenants')}",
          flush=True)

    if args.migrations_only:
        added, seconds = fill_to(args.towns, args.fill)
        print(f"{clock} {added} filler towns made in {seconds:.1f} s ({args.fill})", flush=True)
        connections.close_all()
        migration = new_migration(env, args, args.towns, clock)
        if not args.keep_db:
            drop_database(args.db)
        print()
        print(f"=== Results ({args.towns} towns, migrations only; load average now {os.getloadavg()[0]:.2f}) ===")
        print_migration_results(migration, args.towns)
        print(f"Benchmark run time: {time.perf_counter() - clock.started:.0f} s")
        return 0 if migration["resumed_ok"] else 1

    small = measure_level(SMALL, args.samples, args.fill, clock)
    large = measure_level(args.towns, args.samples, args.fill, clock)
    connections.close_all()

    noop = noop_migrate(env, args.towns, args, clock)
    migration = new_migration(env, args, args.towns, clock)
    if not args.keep_db:
        drop_database(args.db)
    total = time.perf_counter() - clock.started

    clone_s, clone_l = median(small["clone"]), median(large["clone"])
    plain_s, plain_l = median(small["plain"]), median(large["plain"])
    noop_s = median(noop["runs"])
    n = args.towns
    print()
    print(f"=== Results ({n} towns; medians of {args.samples} onboardings; load average now "
          f"{os.getloadavg()[0]:.2f}) ===")
    print(f"Onboarding, template DDL replayed    at {SMALL:>4} towns: {clone_s:.3f} s")
    print(f"Onboarding, template DDL replayed    at {n:>4} towns: {clone_l:.3f} s   "
          f"target ≤ {TARGET_ONBOARD_SECONDS} s: {verdict(clone_l <= TARGET_ONBOARD_SECONDS)}")
    print(f"    {n} vs {SMALL} towns: {ratio(clone_l, clone_s)}   "
          f"target ≤ {TARGET_GROWTH}×: {verdict(clone_l <= TARGET_GROWTH * clone_s)}")
    function_s, function_l = median(small["function"]), median(large["function"])
    print(f"Onboarding, django-tenants' clone function at {SMALL:>4} / {n:>4} towns: {function_s:.3f} s / "
          f"{function_l:.3f} s ({ratio(function_l, function_s)}); DDL replay vs function: "
          f"{ratio(clone_s, function_s)} / {ratio(clone_l, function_l)}")
    print(f"Onboarding, all migrations (classic) at {SMALL:>4} towns: {plain_s:.3f} s")
    print(f"Onboarding, all migrations (classic) at {n:>4} towns: {plain_l:.3f} s   "
          f"{n} vs {SMALL} towns: {ratio(plain_l, plain_s)}")
    print(f"    clone vs classic: {ratio(clone_s, plain_s)} at {SMALL} towns, {ratio(clone_l, plain_l)} at {n} towns")
    print(f"migrate, nothing to apply, {n} towns: {noop_s:.1f} s   "
          f"target ≤ {TARGET_NOOP_MIGRATE_SECONDS:.0f} s: {verdict(noop_s <= TARGET_NOOP_MIGRATE_SECONDS)}")
    print(f"    stock migrate_schemas --tenant: {noop['stock']:.1f} s ({noop['stock_note']}); "
          f"migrate is {noop['stock'] / noop_s:.1f}× faster")
    print_migration_results(migration, n)
    print(f"Benchmark run time: {total:.0f} s")
    return 0 if migration["resumed_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
