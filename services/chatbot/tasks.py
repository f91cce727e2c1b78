from __future__ import annotations

from django.db import connection

from catalog.entitlement import service_task
from core.tasks import town_task
from services.chatbot.actions.retention import purge_expired_conversations as purge


@town_task(name="chatbot.purge_expired_conversations")
def purge_expired_conversations() -> int:
    """Daily in each town subscribed to the chatbot (the descriptor's periodic task); idempotent."""
    return purge()


@town_task(name="chatbot.purge_deleted_entries")
def purge_deleted_entries() -> int:
    """Daily in each town subscribed to the chatbot: the recycle bin's expired entries go for good; idempotent."""
    from services.chatbot.actions.knowledge import purge_deleted_entries as purge_entries
    from tenants.models import Town

    return purge_entries(town=Town.objects.get(schema_name=connection.schema_name))


@town_task(name="chatbot.import_entries")
@service_task("chatbot")
def import_entries_task(rows: list[dict], import_id: str, actor: str = "celery") -> dict:
    """A queued import (``actions.imports.request_import``), done once however often it is delivered."""
    from services.chatbot.actions.knowledge import import_entries
    from tenants.models import Town

    town = Town.objects.get(schema_name=connection.schema_name)
    report = import_entries(rows, actor=actor, town=town, import_id=import_id)
    return {"import": import_id, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "errors": len(report.errors)}
