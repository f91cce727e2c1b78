"""Usage of the chatbot: one record per answered question, exactly once.

Each answered question is reported to billing (``billing.metering.record_usage``)
and kept as a local ``UsageRecord`` in the town's schema, both under the same
idempotency key, so retrying either is safe and the town's own data shows what
it was billed for.
"""

from __future__ import annotations

import datetime as dt

from billing.metering import record_usage
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
    record_usage(town, DESCRIPTOR.key, ANSWERED_QUESTION, 1, idempotency_key(town, conversation_id, message_id),
                 occurred_at, source="chatbot")
    return created[0].pk is not None
