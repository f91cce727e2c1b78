"""Town settings of the chatbot: embedding origins, retention, inbox address, sensitive topics."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.db import transaction

from core.audit.log import log_action
from services.chatbot.models import ChatbotSettings, SensitiveTopic


@transaction.atomic
def update_settings(*, origins: list[str], retention_days: int, inbox_email: str, actor, town) -> ChatbotSettings:
    current = ChatbotSettings.current()
    current.allowed_origins, current.retention_days, current.inbox_email = origins, retention_days, inbox_email
    current.save()
    log_action("chatbot.settings.updated", actor=actor, town=town, origins=origins, retention_days=retention_days)
    return current


# The sentence the town's KI-Register entry carries while the generative mode is on (published in German).
GENERATIVE_NOTE = ("Generativer Modus: Ein Sprachmodell ({model}, {host}) formuliert die Antworten aus den "
                   "gefundenen Einträgen der Wissensdatenbank und nennt sie als Quellen; es erhält nur die Frage "
                   "und diese Einträge.")
# The note as it stands in a register text, whatever model and host it names.
_NOTE = re.compile(r"\s*" + ".*?".join(map(re.escape, re.split(r"\{\w+\}", GENERATIVE_NOTE))), re.S)


@transaction.atomic
def configure_generative_mode(*, enabled: bool, base_url: str, model: str, api_key: str | None, actor,
                              town) -> ChatbotSettings:
    """Turn the optional generative mode on or off; ``api_key=None`` keeps the stored key, "" deletes it.

    The town's KI-Register entry says so (a new version), so citizens can see which model words the answers.
    """
    current = ChatbotSettings.current()
    current.generative_enabled, current.generative_base_url, current.generative_model = enabled, base_url, model
    if api_key is not None:
        current.generative_api_key = api_key
    current.save()
    # The key itself never goes into the audit log.
    log_action("chatbot.generative_mode.enabled" if enabled else "chatbot.generative_mode.disabled",
               actor=actor, town=town, base_url=base_url, model=model, api_key_set=bool(current.generative_api_key))
    _describe_in_register(town, enabled=enabled, model=model, base_url=base_url, actor=actor)
    return current


def _describe_in_register(town, *, enabled: bool, model: str, base_url: str, actor) -> None:
    from catalog.actions.register import update_register_entry
    from catalog.models import RegisterEntry

    entry = (RegisterEntry.objects.filter(town=town, subscription__offering__service__key="chatbot")
             .order_by("-subscription__requested_at", "-pk").first())
    if entry is None:
        return
    text = _NOTE.sub("", entry.texts.get("short_description", "")).strip()
    if enabled:
        note = GENERATIVE_NOTE.format(model=model, host=urlsplit(base_url).hostname or base_url)
        text = f"{text} {note}".strip()
    update_register_entry(entry, {"short_description": text}, actor=actor)


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
