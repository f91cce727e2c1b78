"""Town settings of the chatbot: embedding origins, retention, inbox address, sensitive topics."""

from __future__ import annotations

from django.db import transaction

from kiverbund.audit.log import log_action
from services.chatbot import cors
from services.chatbot.models import ChatbotSettings, SensitiveTopic


@transaction.atomic
def update_settings(*, origins: list[str], retention_days: int, inbox_email: str, actor, town) -> ChatbotSettings:
    current = ChatbotSettings.current()
    current.allowed_origins, current.retention_days, current.inbox_email = origins, retention_days, inbox_email
    current.save()
    transaction.on_commit(cors.forget_origins)
    log_action("chatbot.settings.updated", actor=actor, town=town, origins=origins, retention_days=retention_days)
    return current


@transaction.atomic
def add_sensitive_topic(*, name: str, keywords: list[str], message: str, actor, town) -> SensitiveTopic:
    topic = SensitiveTopic.objects.create(name=name, keywords=keywords, message=message)
    log_action("chatbot.sensitive_topic.added", actor=actor, town=town, name=name, keywords=keywords)
    return topic


@transaction.atomic
def remove_sensitive_topic(topic: SensitiveTopic, *, actor, town) -> None:
    name = topic.name
    topic.delete()
    log_action("chatbot.sensitive_topic.removed", actor=actor, town=town, name=name)
