"""Town schemas: the empty template they are cloned from, cloning and dropping.

Creating a town by running every migration costs seconds and grows with the
number of migrations; cloning a migrated, empty template schema costs a few
hundred milliseconds however long the history is. The template is kept
current by ``manage.py migrate`` (it is migrated like a town) and checked
before each clone.
"""

from __future__ import annotations

import functools
import logging
import re

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.clone import CLONE_SCHEMA_FUNCTION, CloneSchema

TEMPLATE_SCHEMA: str = settings.TENANT_BASE_SCHEMA

logger = logging.getLogger(__name__)

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


def install_clone_function() -> None:
    """Install the clone function unless this version is already there (see ``_Cloner``).

    Called with the template, outside any onboarding transaction: a function created
    inside a transaction that rolls back (as every test does) is compiled anew by the
    next clone, and a long-lived connection piles up those compiled copies.
    """
    _Cloner()._create_clone_schema_function()


# django-tenants' clone function finds the template's views, its sequences' owners and its
# table privileges with queries that read every relation in the database (or explode the
# ACL of every relation) before they filter on the schema, so each clone got slower with
# every town. These rewrites return the same rows, found by index lookups or restricted
# to the template's namespace (``src_oid``, which the function looks up first). One that
# no longer matches the function's text is skipped: the clone stays right, only slower
# (except the vector rewrite: without it the copy of a town with HNSW indexes fails).
_VIEW_JOIN = """          JOIN pg_rewrite AS r
             ON r.oid = d.objid
          JOIN pg_class AS v
             ON v.oid = r.ev_class"""
_FUNCTION_REWRITES: tuple[tuple[str, str, str, int], ...] = (
    (
        "views: look up each rewrite rule's view by oid instead of scanning pg_class for views",
        _VIEW_JOIN,
        _VIEW_JOIN.replace("""          JOIN pg_class AS v
             ON v.oid = r.ev_class""", """          JOIN LATERAL (SELECT * FROM pg_class WHERE oid = r.ev_class OFFSET 0) AS v
             ON true"""),
        2,
    ),
    (
        "sequences: find the template's sequence by name and namespace instead of reading pg_sequences",
        "FROM pg_sequences WHERE schemaname = source_schema AND sequencename = s.relname "
        "and sequenceowner = pg_get_userbyid (s.relowner)",
        "FROM pg_class sc JOIN pg_sequence sq ON sq.seqrelid = sc.oid WHERE sc.relnamespace = src_oid "
        "AND sc.relname = s.relname AND sc.relkind = 'S' AND pg_get_userbyid(sc.relowner) = pg_get_userbyid (s.relowner)",
        1,
    ),
    (
        "table privileges: information_schema.table_privileges, restricted to the template's relations "
        "before their ACLs are exploded",
        "FROM information_schema.table_privileges tb, pg_class c, pg_namespace n",
        """FROM (SELECT grantee.rolname::information_schema.sql_identifier AS grantee,
              nc.nspname::information_schema.sql_identifier AS table_schema,
              cp.relname::information_schema.sql_identifier AS table_name,
              cp.prtype::information_schema.character_data AS privilege_type
            FROM (SELECT pg_class.oid, pg_class.relname, pg_class.relnamespace, pg_class.relkind, pg_class.relowner,
                    (aclexplode(COALESCE(pg_class.relacl, acldefault('r', pg_class.relowner)))).grantor,
                    (aclexplode(COALESCE(pg_class.relacl, acldefault('r', pg_class.relowner)))).grantee,
                    (aclexplode(COALESCE(pg_class.relacl, acldefault('r', pg_class.relowner)))).privilege_type,
                    (aclexplode(COALESCE(pg_class.relacl, acldefault('r', pg_class.relowner)))).is_grantable
                  FROM pg_class WHERE pg_class.relnamespace = src_oid
                 ) cp(oid, relname, relnamespace, relkind, relowner, grantor, grantee, prtype, grantable),
                 pg_namespace nc, pg_authid u_grantor,
                 (SELECT pg_authid.oid, pg_authid.rolname FROM pg_authid
                  UNION ALL SELECT 0::oid, 'PUBLIC'::name) grantee(oid, rolname)
            WHERE cp.relnamespace = nc.oid AND cp.relkind IN ('r', 'v', 'f', 'p') AND cp.grantee = grantee.oid
              AND cp.grantor = u_grantor.oid
              AND cp.prtype IN ('INSERT', 'SELECT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER')
              AND (pg_has_role(u_grantor.oid, 'USAGE') OR pg_has_role(grantee.oid, 'USAGE')
                   OR grantee.rolname = 'PUBLIC')
           ) tb, pg_class c, pg_namespace n""",
        1,
    ),
    (
        "pgvector columns: keep their dimension (written like PostGIS geometries, with format_type), "
        "or their HNSW indexes cannot be copied",
        "ELSEIF v_colrec.udt_name in ('geometry') THEN",
        "ELSEIF v_colrec.udt_name in ('geometry', 'vector') THEN",
        1,
    ),
    (
        "sequence privileges: compare namespace oids instead of every relation's namespace name",
        "WHERE t.relnamespace::regnamespace::name = quote_ident(source_schema) AND t.relkind = 'S'",
        "WHERE t.relnamespace = src_oid AND t.relkind = 'S'",
        1,
    ),
)
# PL/pgSQL switches a query to a generic plan after five runs; for the catalogue
# lookups by table name that plan cannot use the (relname, relnamespace) index and
# reads every town's table of that name. Planning each query for its values is cheaper.
_FUNCTION_SETTINGS = "plan_cache_mode = force_custom_plan"


@functools.cache
def clone_function_sql() -> str:
    """django-tenants' ``clone_schema`` function (a ``str.format`` template), with our rewrites."""
    sql = CLONE_SCHEMA_FUNCTION
    for purpose, old, new, count in _FUNCTION_REWRITES:
        found = sql.count(old)
        if found == count:
            sql = sql.replace(old, new)
        else:
            logger.warning("clone_schema rewrite skipped (%s): expected %d match(es), found %d", purpose, count, found)
    return sql


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
            db_user = settings.DATABASES["default"].get("USER", None) or "postgres"
            cursor.execute(clone_function_sql().format(db_user=db_user))
            cursor.execute(
                "SELECT p.oid::regprocedure::text FROM pg_proc p "
                "WHERE p.proname = 'clone_schema' AND p.pronamespace = 'public'::regnamespace"
            )
            for (signature,) in cursor.fetchall():
                cursor.execute(f"ALTER FUNCTION {signature} SET {_FUNCTION_SETTINGS}")
                cursor.execute(f"COMMENT ON FUNCTION {signature} IS %s", [marker])


@functools.cache
def _function_md5() -> str:
    import hashlib

    return hashlib.md5((clone_function_sql() + _FUNCTION_SETTINGS).encode()).hexdigest()


def clone_template(schema_name: str) -> None:
    """Create ``schema_name`` as an empty copy of the template, migrations recorded.

    The template's DDL, read once per template version with ``pg_dump``, is replayed
    under the new name: its statements find everything by index, so onboarding costs
    the same at 10 and at 1,000 towns. Where no suitable ``pg_dump`` is at hand, or the
    template is not committed yet, django-tenants' clone function copies it instead.
    The template must be current: callers run ``ensure_template_schema()`` first, outside
    their transaction (``onboard_town`` does), so that ``pg_dump`` sees it committed.
    """
    if not re.fullmatch(r"town_[0-9a-z_]+", schema_name):
        raise ValueError(f"not a town schema name: {schema_name!r}")
    ddl = template_ddl()
    with connection.cursor() as cursor:
        if ddl is not None:
            cursor.execute(_TEMPLATE_NAME.sub(schema_name, ddl))
        else:
            _Cloner().clone_schema(TEMPLATE_SCHEMA, schema_name, "NODATA", set_connection=False)
        # NODATA leaves django_migrations empty: the copy has what the template has.
        cursor.execute(
            f"INSERT INTO {quote(schema_name)}.django_migrations (app, name, applied) "
            f"SELECT app, name, applied FROM {quote(TEMPLATE_SCHEMA)}.django_migrations"
        )


# The template's name as an identifier in pg_dump's output (never inside a longer name).
_TEMPLATE_NAME = re.compile(r"(?<![\w$\"])" + re.escape(TEMPLATE_SCHEMA) + r"(?![\w$\"])")
_ddl_cache: dict[tuple[str, str], str] = {}


def template_version() -> str:
    """Which migrations the template has: its DDL is read again when they change."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT md5(string_agg(app || '.' || name, ',' ORDER BY app, name)) "
                       f"FROM {quote(TEMPLATE_SCHEMA)}.django_migrations")
        return cursor.fetchone()[0] or ""


def template_ddl() -> str | None:
    """The template schema's DDL (no data, no owners, no session settings), or None to use the clone function."""
    if not settings.TOWN_SCHEMA_FROM_DUMP:
        return None
    key = (settings.DATABASES["default"]["NAME"], template_version())
    if key not in _ddl_cache:
        ddl = _dump_template()
        if ddl is None:
            return None  # asked again next time: the template may be committed by then
        _ddl_cache[key] = ddl
    return _ddl_cache[key]


def forget_template_ddl() -> None:
    _ddl_cache.clear()


@functools.cache
def pg_dump_binary() -> str | None:
    """A pg_dump at least as new as the server: ``settings.PG_DUMP`` (the development settings name the
    embedded server's own), else one on PATH."""
    import shutil
    import subprocess

    candidates = [settings.PG_DUMP, shutil.which("pg_dump") or ""]
    server_major = connection.pg_version // 10000
    for candidate in filter(None, candidates):
        try:
            out = subprocess.run([candidate, "--version"], capture_output=True, text=True, timeout=30).stdout
        except OSError:
            continue
        found = re.search(r"(\d+)(?:\.\d+)?", out)
        if found and int(found[1]) >= server_major:
            return candidate
    return None


def _dump_template() -> str | None:
    import subprocess

    from psycopg.conninfo import make_conninfo

    binary = pg_dump_binary()
    if binary is None:
        logger.info("no pg_dump for PostgreSQL %s: towns are cloned with the clone function", connection.pg_version)
        return None
    database = settings.DATABASES["default"]
    conninfo = make_conninfo(dbname=database["NAME"], host=database.get("HOST") or None,
                             port=str(database["PORT"]) if database.get("PORT") else None,
                             user=database.get("USER") or None, password=database.get("PASSWORD") or None,
                             **{k: v for k, v in (database.get("OPTIONS") or {}).items() if k == "sslmode"})
    result = subprocess.run([binary, "--schema-only", "--no-owner", "--no-privileges", "--no-comments",
                             "--schema", TEMPLATE_SCHEMA, "--dbname", conninfo],
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        logger.warning("pg_dump of the template failed (%s): towns are cloned with the clone function",
                       result.stderr.strip()[:500])
        return None
    # Session settings (SET …, set_config) would outlive the replay on our connection; psql
    # meta-commands and comments are not SQL. Everything else is qualified by schema.
    statements = [line for line in result.stdout.splitlines()
                  if line and not line.startswith(("\\", "--", "SET ", "SELECT pg_catalog.set_config("))]
    ddl = "\n".join(statements)
    if f"CREATE TABLE {TEMPLATE_SCHEMA}.django_migrations" not in ddl:
        # The template exists only in this (uncommitted) transaction: pg_dump cannot see it.
        return None
    return ddl


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
