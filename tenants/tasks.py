from celery import shared_task
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from django_tenants.utils import schema_context

from core.documents.models import Document
from core.tasks import town_task
from tenants.models import Town, TownStatus


@town_task(name="tenants.collect_town_stats")
def collect_town_stats() -> dict:
    """Record how many documents and bytes of files the current town stores (for the console)."""
    totals = Document.objects.aggregate(size=Sum("size_bytes"))
    count = Document.objects.count()
    size = totals["size"] or 0
    Town.objects.filter(schema_name=connection.schema_name).update(
        document_count=count, storage_bytes=size, stats_updated_at=timezone.now()
    )
    return {"schema": connection.schema_name, "documents": count, "bytes": size}


@shared_task(name="tenants.export_town", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def export_town_task(town_id: int, request_id: str, actor: str = "celery") -> dict:
    """A queued export (``request_export``); delivered twice, it writes and records the zip once."""
    from tenants.actions.export import run_requested_export

    record = run_requested_export(town_id, request_id, actor=actor)
    return {"request": request_id, "export": record.pk if record else None}


@shared_task(name="tenants.dispatch_to_active_towns")
def dispatch_to_active_towns(task_name: str) -> int:
    """Fan a periodic job out: send ``task_name`` once per active town, in that town's schema."""
    from celery import current_app


    schemas = list(Town.objects.filter(status=TownStatus.ACTIVE).values_list("schema_name", flat=True))
    for schema in schemas:
        with schema_context(schema):
            current_app.send_task(task_name)
    return len(schemas)
