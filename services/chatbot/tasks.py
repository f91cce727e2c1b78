from __future__ import annotations

from kiverbund.tasks import town_task
from services.chatbot.retention import purge_expired_conversations as purge


@town_task(name="chatbot.purge_expired_conversations")
def purge_expired_conversations() -> int:
    """Daily, once per active town (see CELERY_BEAT_SCHEDULE); idempotent."""
    return purge()
