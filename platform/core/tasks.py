"""Task bases that carry the town's schema (the periodic fan-out over towns is ``tenants.tasks``)."""

from __future__ import annotations

from celery import shared_task
from django.db import connection
from django_tenants.utils import get_public_schema_name
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


def registered_task(name: str):
    """The task registered under ``name``, for callers that must not import the module defining it
    (actions queue tasks, tasks import actions)."""
    from celery import current_app

    if name not in current_app.tasks:
        current_app.loader.import_default_modules()  # what a worker imports at start: each app's tasks
    return current_app.tasks[name]


def town_task(*args, **options):
    """``@town_task`` = ``@shared_task(base=TownTask)``."""
    options.setdefault("base", TownTask)
    if args and callable(args[0]):
        return shared_task(**options)(args[0])
    return shared_task(*args, **options)


@shared_task(name="core.tasks.worker_info")
def worker_info() -> dict:
    """What a worker runs on; for operators checking a deployment (``celery call``)."""
    import platform
    import sys

    return {"python": sys.version.split()[0], "platform": platform.platform(), "platform_module": platform.__file__,
            "schema": connection.schema_name}
