"""Task bases that carry the town's schema, and the dispatcher for periodic town jobs."""

from __future__ import annotations

from celery import shared_task
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context
from tenant_schemas_celery.task import TenantTask


class MissingTownSchema(RuntimeError):
    pass


class TownTask(TenantTask):
    """A task that works on one town's data.

    The schema travels in the message headers (set from the connection's
    schema when the task is sent). A town task that arrives without one would
    run against the public schema; it refuses instead.
    """

    abstract = True
    autoretry_for = (ConnectionError, TimeoutError)
    retry_backoff = True
    retry_backoff_max = 600
    max_retries = 5

    def __call__(self, *args, **kwargs):
        if connection.schema_name == get_public_schema_name():
            raise MissingTownSchema(
                f"{self.name} works on a town's data and was sent without a town schema; "
                "send it inside the town's schema (e.g. with schema_context or from a town request)."
            )
        return super().__call__(*args, **kwargs)


def town_task(*args, **options):
    """``@town_task`` = ``@shared_task(base=TownTask)``."""
    options.setdefault("base", TownTask)
    if args and callable(args[0]):
        return shared_task(**options)(args[0])
    return shared_task(*args, **options)


@shared_task(name="kiverbund.tasks.dispatch_to_active_towns")
def dispatch_to_active_towns(task_name: str) -> int:
    """Fan a periodic job out: send ``task_name`` once per active town, in that town's schema."""
    from kiverbund.celery import app
    from tenants.models import Town, TownStatus

    schemas = list(Town.objects.filter(status=TownStatus.ACTIVE).values_list("schema_name", flat=True))
    for schema in schemas:
        with schema_context(schema):
            app.send_task(task_name)
    return len(schemas)


@shared_task(name="kiverbund.tasks.worker_info")
def worker_info() -> dict:
    """What a worker runs on; for operators checking a deployment (``celery call``)."""
    import platform
    import sys

    return {"python": sys.version.split()[0], "platform": platform.platform(), "platform_module": platform.__file__,
            "schema": connection.schema_name}
