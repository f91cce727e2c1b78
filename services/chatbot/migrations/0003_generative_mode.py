from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('chatbot', '0002_models'),
    ]

    operations = [
        migrations.AddField(
            model_name='chatbotsettings',
            name='generative_api_key',
            field=models.CharField(blank=True, max_length=500, verbose_name='API key'),
        ),
        migrations.AddField(
            model_name='chatbotsettings',
            name='generative_base_url',
            field=models.URLField(blank=True, help_text='For example https://ki.landkreis-musterland.de/v1', max_length=300, verbose_name='base URL of the OpenAI-compatible API'),
        ),
        migrations.AddField(
            model_name='chatbotsettings',
            name='generative_enabled',
            field=models.BooleanField(default=False, verbose_name='rephrase answers with a language model'),
        ),
        migrations.AddField(
            model_name='chatbotsettings',
            name='generative_model',
            field=models.CharField(blank=True, max_length=200, verbose_name='model name'),
        ),
        migrations.AddField(
            model_name='message',
            name='generated',
            field=models.BooleanField(default=False),
        ),
    ]
