"""The pgvector extension for the contributions' embeddings (database-wide; a no-op when present)."""

from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.RunSQL(["CREATE EXTENSION IF NOT EXISTS vector SCHEMA public"],
                          reverse_sql=migrations.RunSQL.noop),
    ]
