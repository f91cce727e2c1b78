"""New town schemas are exact empty copies of the template, whichever way they are made."""

import pytest
from django.db import connection

from tenants import schemas
from tenants.models import Town

STRUCTURE = {
    "columns": """
        SELECT c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid), a.attidentity
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
        WHERE n.nspname = %(schema)s""",
    "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %(schema)s",
    "constraints": """
        SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE connamespace = (SELECT oid FROM pg_namespace WHERE nspname = %(schema)s)""",
    "triggers": """
        SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = %(schema)s) AND NOT t.tgisinternal""",
}


def structure(schema: str) -> dict[str, list]:
    """Everything that defines the schema's tables, with the schema's own name taken out."""
    found = {}
    with connection.cursor() as cursor:
        for what, sql in STRUCTURE.items():
            cursor.execute(sql, {"schema": schema})
            found[what] = sorted(tuple(str(v).replace(schema, "<schema>") for v in row) for row in cursor.fetchall())
    return found


def test_a_new_town_schema_has_exactly_the_templates_structure(make_town):
    town = make_town("Kopierstadt")
    assert schemas.template_ddl() is not None, "the embedded server's pg_dump is found"
    template, copy = structure(schemas.TEMPLATE_SCHEMA), structure(town.schema_name)
    assert len(template["columns"]) > 100 and template["indexes"] and template["constraints"]
    assert copy == template
    # pgvector columns keep their dimension (django-tenants' clone function drops it).
    assert any(row[3] == "vector(384)" for row in copy["columns"])


def test_the_copy_is_empty_its_sequences_start_afresh_and_its_migrations_are_recorded(make_town):
    from django_tenants.utils import schema_context

    from services.chatbot.models import SensitiveTopic
    from services.chatbot.starter import DEFAULT_TOPICS

    town = make_town("Leerdorf")
    assert schemas.pending_by_schema([town.schema_name]) == {town.schema_name: 0}
    with schema_context(town.schema_name):
        # Nothing of the template's rows; only what each service gives a new town (the chatbot's topics).
        assert SensitiveTopic.objects.count() == len(DEFAULT_TOPICS)
        assert sorted(SensitiveTopic.objects.values_list("pk", flat=True)) == list(range(1, len(DEFAULT_TOPICS) + 1))


def test_the_function_clone_is_used_without_pg_dump_and_gives_the_same_tables(make_town, settings):
    settings.TOWN_SCHEMA_FROM_DUMP = False
    assert schemas.template_ddl() is None
    town = make_town("Funktionsdorf")
    template, copy = structure(schemas.TEMPLATE_SCHEMA), structure(town.schema_name)
    # The clone function names some copied indexes its own way; tables, columns and constraints match.
    tables = {row[:3] for row in template["columns"] if row[1] in ("r", "S")}
    assert {row[:3] for row in copy["columns"] if row[1] in ("r", "S")} == tables
    assert len(copy["indexes"]) == len(template["indexes"])
    assert {row[2] for row in copy["constraints"]} == {row[2] for row in template["constraints"]}
    # Our rewrite keeps pgvector's dimension, without which the HNSW index could not be copied.
    assert {row[:4] for row in copy["columns"] if row[3].startswith("vector")} == {
        row[:4] for row in template["columns"] if row[3].startswith("vector")}
    assert any("hnsw" in row[-1] for row in copy["indexes"])


def test_the_dump_is_read_once_per_template_version(make_town, monkeypatch):
    schemas.forget_template_ddl()
    dumps = []
    real = schemas._dump_template
    monkeypatch.setattr(schemas, "_dump_template", lambda: dumps.append(1) or real())
    make_town("Erstdorf"), make_town("Zweitdorf")
    assert len(dumps) == 1
    monkeypatch.setattr(schemas, "template_version", lambda: "after-a-new-migration")
    make_town("Drittdorf")
    assert len(dumps) == 2


@pytest.mark.parametrize("name", ["public", "_town_template", "town_x; DROP SCHEMA public", "Town_1"])
def test_only_town_schema_names_are_made(db, name):
    with pytest.raises(ValueError):
        schemas.clone_template(name)
    assert not Town.objects.filter(schema_name=name).exists()
