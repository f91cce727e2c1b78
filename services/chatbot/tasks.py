from __future__ import annotations

from kiverbund.tasks import town_task
from services.chatbot.retention import purge_expired_conversations as purge


@town_task(name="chatbot.purge_expired_conversations")
def purge_expired_conversations() -> int:
    """Daily in each town subscribed to the chatbot (the descriptor's periodic task); idempotent."""
    return purge()
