"""Conversation logs are kept for the town's configured period (default 90 days), then deleted."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from services.chatbot.models import Case, ChatbotSettings, Conversation


@transaction.atomic
def purge_expired_conversations(now: dt.datetime | None = None) -> int:
    """Delete conversations (messages, cases, contact data) idle longer than the retention period.

    A conversation with a case still open is kept until staff have dealt with it.
    Statistics (DailyStat, UnansweredQuestion) hold no personal data and stay.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=ChatbotSettings.current().retention_days)
    expired = (Conversation.objects.filter(last_activity__lt=cutoff)
               .exclude(cases__status=Case.Status.OPEN))
    ids = list(expired.values_list("pk", flat=True).distinct())
    Conversation.objects.filter(pk__in=ids).delete()
    return len(ids)
