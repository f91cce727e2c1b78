"""Town schemas: the empty template they are cloned from, cloning and dropping.

Creating a town by running every migration costs seconds and grows with the
number of migrations; cloning a migrated, empty template schema costs a few
hundred milliseconds however long the history is. The template is kept
current by ``manage.py migrate`` (it is migrated like a town) and checked
before each clone.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.clone import CLONE_SCHEMA_FUNCTION, CloneSchema
from django_tenants.utils import schema_exists

TEMPLATE_SCHEMA: str = settings.TENANT_BASE_SCHEMA

# System catalogues whose statistics decide how fast the clone function's
# catalogue queries run once there are hundreds of schemas.
_CATALOGUES = ("pg_class", "pg_attribute", "pg_namespace", "pg_constraint", "pg_index", "pg_depend",
               "pg_attrdef", "pg_sequence", "pg_type", "pg_trigger", "pg_proc")


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


@functools.cache
def expected_migrations() -> frozenset[tuple[str, str]]:
    """Every migration on disk; a migrated town schema records all of them.

    django-tenants records shared apps' migrations in town schemas too (the
    router only skips their operations), so the full graph is the target.
    """
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    return frozenset(loader.graph.nodes)


def pending_by_schema(schemas: list[str]) -> dict[str, int]:
    """How many migrations each schema still lacks, in one round trip.

    A schema without a ``django_migrations`` table lacks all of them.
    """
    if not schemas:
        return {}
    expected = sorted(f"{app}.{name}" for app, name in expected_migrations())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'django_migrations' AND table_schema = ANY(%s)",
            [list(schemas)],
        )
        with_table = {row[0] for row in cursor.fetchall()}
        result = {schema: len(expected) for schema in schemas if schema not in with_table}
        present = [s for s in schemas if s in with_table]
        for start in range(0, len(present), 500):
            chunk = present[start:start + 500]
            union = " UNION ALL ".join(
                f"SELECT %s, count(*) FROM {quote(s)}.django_migrations WHERE app || '.' || name = ANY(%s)"
                for s in chunk
            )
            params: list = []
            for s in chunk:
                params += [s, expected]
            cursor.execute(union, params)
            for schema, done in cursor.fetchall():
                result[schema] = len(expected) - done
    return result


def applied_migrations(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app, name FROM {quote(schema)}.django_migrations")
        return set(cursor.fetchall())


def ensure_template_schema() -> None:
    """Create and migrate the template schema if it is missing or behind."""
    from tenants.migrating import migrate_schema_in_process

    if not schema_exists(TEMPLATE_SCHEMA):
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(TEMPLATE_SCHEMA)}")
    if pending_by_schema([TEMPLATE_SCHEMA])[TEMPLATE_SCHEMA]:
        migrate_schema_in_process(TEMPLATE_SCHEMA)


class _Cloner(CloneSchema):
    def _create_clone_schema_function(self):
        # django-tenants re-creates its 4,000-line PL/pgSQL function on every
        # clone; installing it once per version keeps onboarding fast. The
        # comment on the function records which version is installed.
        marker = f"kiverbund:{_function_md5()}"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT obj_description(p.oid, 'pg_proc') FROM pg_proc p "
                "WHERE p.proname = 'clone_schema' AND p.pronamespace = 'public'::regnamespace"
            )
            if (cursor.fetchone() or [None])[0] == marker:
                return
            super()._create_clone_schema_function()
            cursor.execute(
                "SELECT p.oid::regprocedure::text FROM pg_proc p "
                "WHERE p.proname = 'clone_schema' AND p.pronamespace = 'public'::regnamespace"
            )
            for (signature,) in cursor.fetchall():
                cursor.execute(f"COMMENT ON FUNCTION {signature} IS %s", [marker])


@functools.cache
def _function_md5() -> str:
    import hashlib

    return hashlib.md5(CLONE_SCHEMA_FUNCTION.encode()).hexdigest()


def clone_template(schema_name: str) -> None:
    """Create ``schema_name`` as an empty copy of the template, migrations recorded."""
    ensure_template_schema()
    _Cloner().clone_schema(TEMPLATE_SCHEMA, schema_name, "NODATA", set_connection=False)
    with connection.cursor() as cursor:
        # NODATA leaves django_migrations empty: the copy has what the template has.
        cursor.execute(
            f"INSERT INTO {quote(schema_name)}.django_migrations (app, name, applied) "
            f"SELECT app, name, applied FROM {quote(TEMPLATE_SCHEMA)}.django_migrations"
        )


def drop_schema(schema_name: str) -> None:
    if schema_name in ("public", TEMPLATE_SCHEMA) or not schema_name.startswith("town_"):
        raise ValueError(f"refusing to drop schema {schema_name!r}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {quote(schema_name)} CASCADE")


def analyze_catalogue() -> None:
    """Refresh planner statistics of the system catalogues after many schemas changed."""
    with connection.cursor() as cursor:
        for table in _CATALOGUES:
            cursor.execute(f"ANALYZE pg_catalog.{table}")
