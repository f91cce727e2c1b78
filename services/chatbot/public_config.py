"""What every public chatbot request reads of the town's settings, cached per town.

The website origins (CORS), the sensitive topics and whether the generative mode
is on are read by every question and change rarely. They are kept in the shared
cache (``core.caching``; the key names the town's schema) and dropped
whenever a ``ChatbotSettings`` or ``SensitiveTopic`` row is saved or deleted
(signals connected in ``apps``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from core import caching
from services.chatbot.models import ChatbotSettings, SensitiveTopic

TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class PublicConfig:
    origins: frozenset[str]
    topics: tuple[SensitiveTopic, ...]
    generative: bool


def _key() -> str:
    return f"chatbot-config:{connection.schema_name}"


def current() -> PublicConfig:
    config = caching.shared().get(_key())
    if config is None:
        row = ChatbotSettings.current()
        config = PublicConfig(origins=frozenset(o.rstrip("/").lower() for o in row.allowed_origins),
                              topics=tuple(SensitiveTopic.objects.order_by("pk")),
                              generative=row.generative_enabled)
        caching.shared().set(_key(), config, TIMEOUT_SECONDS)
    return config


def forget(**_signal) -> None:
    """The current town's settings or topics changed."""
    caching.forget(_key())
