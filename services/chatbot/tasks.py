from __future__ import annotations

from django.db import connection

from catalog.entitlement import require_service
from kiverbund.tasks import town_task
from services.chatbot.retention import purge_expired_conversations as purge


@town_task(name="chatbot.purge_expired_conversations")
def purge_expired_conversations() -> int:
    """Daily, once per active town (see CELERY_BEAT_SCHEDULE); idempotent."""
    return purge()


@town_task(name="chatbot.import_entries")
@require_service("chatbot").task
def import_entries_task(rows: list[dict], import_id: str, actor: str = "celery") -> dict:
    """A queued import (``imports.request_import``), done once however often it is delivered."""
    from services.chatbot.knowledge import import_entries
    from tenants.models import Town

    town = Town.objects.get(schema_name=connection.schema_name)
    report = import_entries(rows, actor=actor, town=town, import_id=import_id)
    return {"import": import_id, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "errors": len(report.errors)}
