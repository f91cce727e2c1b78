"""HNSW index for the dense candidates, term counts for the full-text candidates, no trigram index.

Town schemas made by django-tenants' clone function before it kept vector dimensions have
``vector`` columns without one, which HNSW cannot index: the dimension is set first (a no-op
where it is there). Existing knowledge bases get their term counts here.
"""

import pgvector.django.indexes
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('chatbot', '0003_generative_mode'),
    ]

    operations = [
        migrations.CreateModel(
            name='Term',
            fields=[
                ('lexeme', models.TextField(primary_key=True, serialize=False)),
                ('entries', models.PositiveIntegerField()),
            ],
        ),
        migrations.RunSQL(
            "ALTER TABLE chatbot_phrasing ALTER COLUMN embedding TYPE vector(384);"
            "ALTER TABLE chatbot_entry ALTER COLUMN embedding TYPE vector(384);"
            "INSERT INTO chatbot_term (lexeme, entries) "
            "SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM chatbot_entry');",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.RemoveIndex(
            model_name='phrasing',
            name='chatbot_phrasing_trgm',
        ),
        migrations.AddIndex(
            model_name='phrasing',
            index=pgvector.django.indexes.HnswIndex(ef_construction=64, fields=['embedding'], m=16, name='chatbot_phrasing_hnsw', opclasses=['vector_cosine_ops']),
        ),
    ]
