from django.db import migrations


class Migration(migrations.Migration):
    """The e5 vector goes: sentiment and near-duplicates use the contribution's one vector (topic_vector)."""

    dependencies = [
        ('feedback', '0003_topic_vector'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='contribution',
            name='embedding',
        ),
    ]
