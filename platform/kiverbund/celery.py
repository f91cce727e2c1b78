import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiverbund.settings")

app = CeleryApp("kiverbund")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
