"""Migrations across town schemas: status per schema, skip what is current, parallel, resume after failure."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tenants.migrating import migrate_all, migration_status
from tenants.schemas import expected_migrations


def _forget_documents_migration(schema: str, *, drop_table: bool) -> None:
    with connection.cursor() as cursor:
        if drop_table:
            cursor.execute(f'DROP TABLE "{schema}".documents_document')
        cursor.execute(f"DELETE FROM \"{schema}\".django_migrations WHERE app = 'documents'")


def test_status_lists_every_schema(town_a, town_b, capsys):
    status = dict(migration_status())
    assert status == {"public": 0, "_town_template": 0, town_a.schema_name: 0, town_b.schema_name: 0}
    _forget_documents_migration(town_b.schema_name, drop_table=False)
    call_command("migration_status", verbose_pending=True)
    out = capsys.readouterr().out
    assert f"{town_b.schema_name}" in out and "[ ] documents.0001_initial" in out
    assert "1 with pending migrations" in out
    with pytest.raises(CommandError, match="1 schema"):
        call_command("migration_status", check=True)


def test_offboarded_towns_are_not_migrated(town_a, town_b, tmp_path):
    call_command("export_town", ags=town_a.ags, out=tmp_path / "a.zip")
    call_command("offboard_town", ags=town_a.ags, confirm=True)
    assert town_a.schema_name not in dict(migration_status())


@pytest.mark.django_db(transaction=True)
def test_migrate_skips_current_schemas_and_resumes_after_a_failure(committed_town, capsys):
    towns = [committed_town(f"Migrationsdorf {i}", f"0999980{i}") for i in range(4)]
    report = migrate_all(workers=2, write=lambda _m: None)
    assert report.ok and report.migrated == [] and report.skipped == report.checked == 6

    # Two towns lack a migration: one can apply it, one fails (its table is still there).
    ok_town, broken_town = towns[1], towns[2]
    _forget_documents_migration(ok_town.schema_name, drop_table=True)
    _forget_documents_migration(broken_town.schema_name, drop_table=False)
    with pytest.raises(CommandError, match=broken_town.schema_name):
        call_command("migrate", workers=2)
    out = capsys.readouterr().out
    assert f"{ok_town.schema_name}: migrated" in out
    assert f"{broken_town.schema_name}: FAILED" in out and "already exists" in out
    status = dict(migration_status())
    assert status[ok_town.schema_name] == 0 and status[broken_town.schema_name] > 0

    # Mend the broken schema and run again: only it is migrated.
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE "{broken_town.schema_name}".documents_document')
    report = migrate_all(workers=2, write=lambda _m: None)
    assert report.ok and report.migrated == [broken_town.schema_name]
    assert all(pending == 0 for pending in dict(migration_status()).values())
    assert len(expected_migrations()) > 10


def _schema_shape(schema: str) -> dict:
    """Tables, columns, indexes, constraints, recorded migrations and content types of a schema."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name, column_name, data_type, is_nullable, column_default "
                       "FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, 2", [schema])
        columns = [(t, c, d, n, (default or "").replace(schema, "S")) for t, c, d, n, default in cursor.fetchall()]
        cursor.execute("SELECT indexname, replace(indexdef, %s, 'S') FROM pg_indexes WHERE schemaname = %s "
                       "ORDER BY 1", [schema, schema])
        indexes = cursor.fetchall()
        cursor.execute("SELECT conname, contype, replace(pg_get_constraintdef(c.oid), %s, 'S') FROM pg_constraint c "
                       "JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = %s ORDER BY 1", [schema, schema])
        constraints = cursor.fetchall()
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY 1, 2')
        migrations = cursor.fetchall()
        cursor.execute(f'SELECT app_label, model FROM "{schema}".django_content_type ORDER BY 1, 2')
        content_types = cursor.fetchall()
    return {"columns": columns, "indexes": indexes, "constraints": constraints, "migrations": migrations,
            "content_types": content_types}


@pytest.mark.django_db(transaction=True)
def test_reusing_the_project_state_migrates_like_djangos_command(committed_town):
    from tenants.migrating import migrate_schema_in_process

    classic, reused, again = (committed_town(f"Zustandsdorf {i}", f"0999970{i}") for i in range(3))
    for town in (classic, reused, again):
        _forget_documents_migration(town.schema_name, drop_table=True)
        with connection.cursor() as cursor:
            cursor.execute(f'DELETE FROM "{town.schema_name}".django_content_type')
    migrate_schema_in_process(classic.schema_name, reuse_state=False)
    migrate_schema_in_process(reused.schema_name, reuse_state=True)
    # The second schema with the same applied migrations starts from the cached state.
    migrate_schema_in_process(again.schema_name, reuse_state=True)
    expected = _schema_shape(classic.schema_name)
    assert ("documents", "0001_initial") in expected["migrations"]
    assert ("documents", "document") in expected["content_types"]
    assert any(table == "documents_document" for table, *_ in expected["columns"])
    assert _schema_shape(reused.schema_name) == expected
    assert _schema_shape(again.schema_name) == expected
    assert dict(migration_status())[again.schema_name] == 0


@pytest.mark.django_db(transaction=True)
def test_replaying_the_sql_made_once_migrates_like_djangos_command(committed_town):
    from tenants.migrating import migrate_schema_in_process

    classic, *replayed = (committed_town(f"Wiederholdorf {i}", f"0999960{i}") for i in range(3))
    for town in (classic, *replayed):
        _forget_documents_migration(town.schema_name, drop_table=True)
        with connection.cursor() as cursor:
            cursor.execute(f'DELETE FROM "{town.schema_name}".django_content_type')
    migrate_schema_in_process(classic.schema_name, reuse_state=False)
    lines = []
    report = migrate_all(workers=2, write=lines.append)
    assert report.ok and sorted(report.migrated) == sorted(t.schema_name for t in replayed)
    assert any("statement(s) made once" in line for line in lines), lines
    expected = _schema_shape(classic.schema_name)
    assert any(table == "documents_document" for table, *_ in expected["columns"])
    for town in replayed:
        assert _schema_shape(town.schema_name) == expected


@pytest.mark.django_db(transaction=True)
def test_a_schema_the_replay_cannot_migrate_goes_djangos_way_and_resumes(committed_town):
    ok, broken = (committed_town(f"Stolperdorf {i}", f"0999950{i}") for i in range(2))
    _forget_documents_migration(ok.schema_name, drop_table=True)
    _forget_documents_migration(broken.schema_name, drop_table=False)
    lines = []
    report = migrate_all(workers=2, write=lines.append)
    assert report.migrated == [ok.schema_name] and list(report.failed) == [broken.schema_name]
    assert any(line.startswith(f"{broken.schema_name}: replay failed") for line in lines), lines
    # Nothing of the failed replay stayed: the table is the old one, no migration recorded.
    assert dict(migration_status())[broken.schema_name] == 1
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE "{broken.schema_name}".documents_document')
    report = migrate_all(workers=2, write=lambda _m: None)
    assert report.ok and report.migrated == [broken.schema_name]
    assert _schema_shape(broken.schema_name) == _schema_shape(ok.schema_name)


def test_only_plain_ddl_is_replayed(town_a):
    from django.db import migrations, models
    from django_tenants.utils import schema_context

    from tenants.migration_replay import replayable

    def plan(*operations, atomic=True, app="documents"):
        migration = migrations.Migration("0002_probe", app)
        migration.operations, migration.atomic = list(operations), atomic
        return [(migration, False)]

    field = migrations.AddField("document", "probe", models.IntegerField(null=True))
    data = migrations.RunPython(migrations.RunPython.noop)
    with schema_context(town_a.schema_name):
        assert replayable(plan(field)) is None
        assert "RunPython" in replayable(plan(field, data))
        assert "RunSQL" in replayable(plan(migrations.RunSQL("UPDATE documents_document SET id = id")))
        assert "RenameModel" in replayable(plan(migrations.RenameModel("document", "paper")))
        assert "not atomic" in replayable(plan(field, atomic=False))
        # An app of the public schema does nothing in a town schema: its data migration is no obstacle.
        assert replayable(plan(data, app="billing")) is None


@pytest.mark.django_db(transaction=True)
def test_an_inconsistent_history_fails_its_schema_only(committed_town):
    ok, odd = (committed_town(f"Ungereimtdorf {i}", f"0999940{i}") for i in range(2))
    _forget_documents_migration(ok.schema_name, drop_table=True)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM \"{odd.schema_name}\".django_migrations "
                       "WHERE app = 'contenttypes' AND name = '0001_initial'")
    report = migrate_all(workers=2, write=lambda _m: None)
    assert report.migrated == [ok.schema_name]
    assert list(report.failed) == [odd.schema_name] and "InconsistentMigrationHistory" in report.failed[odd.schema_name]
