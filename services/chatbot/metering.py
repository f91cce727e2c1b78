"""Usage of the chatbot: one record per answered question, exactly once.

Seam for billing (issue #6): once ``billing.record_usage`` exists, ``report_answered``
also calls

    billing.record_usage(town, "chatbot", "answered_question", 1, idempotency_key, occurred_at)

with the same idempotency key (inside ``transaction.on_commit``), or a periodic
sync reads the ``UsageRecord`` rows with ``synced_at IS NULL`` and stamps them.
The local rows are the service's own evidence of what it billed: the key makes
both sides exactly-once, so retrying either is safe.
"""

from __future__ import annotations

import datetime as dt

from services.chatbot.models import UsageRecord
from services.chatbot.service import ANSWERED_QUESTION, DESCRIPTOR


def idempotency_key(town, conversation_id: int, message_id: int) -> str:
    return f"{DESCRIPTOR.key}:{town.schema_name}:{conversation_id}:{message_id}"


def report_answered(town, conversation_id: int, message_id: int, occurred_at: dt.datetime) -> bool:
    """Record one answered question; True if it was new, False if it had been recorded already."""
    # INSERT … ON CONFLICT DO NOTHING: one statement, safe under concurrent retries.
    created = UsageRecord.objects.bulk_create(
        [UsageRecord(idempotency_key=idempotency_key(town, conversation_id, message_id), service=DESCRIPTOR.key,
                     unit=ANSWERED_QUESTION, quantity=1, occurred_at=occurred_at)],
        ignore_conflicts=True)
    return created[0].pk is not None
