"""PostgreSQL extensions the chatbot needs.

Extensions are database-wide; they live in the public schema, which is on
every town's search_path. Each town schema (cloned from ``_town_template``)
runs this migration too; ``IF NOT EXISTS`` makes that a no-op.
"""

from django.db import migrations

EXTENSIONS = ("vector", "pg_trgm", "unaccent")


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.RunSQL(
            [f"CREATE EXTENSION IF NOT EXISTS {name} SCHEMA public" for name in EXTENSIONS],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
