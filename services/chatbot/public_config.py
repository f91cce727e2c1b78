"""What every public chatbot request reads of the town's settings, cached per town.

The website origins (CORS), the sensitive topics and whether the generative mode
is on are read by every question and change rarely. They are kept in the cache
(Redis; django-tenants' key function puts the town's schema in every key) and
dropped whenever a ``ChatbotSettings`` or ``SensitiveTopic`` row is saved or
deleted, at once and again after the commit (signals connected in ``apps``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django_tenants.utils import schema_context

from services.chatbot.models import ChatbotSettings, SensitiveTopic

CACHE_KEY = "chatbot:public-config"
TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class PublicConfig:
    origins: frozenset[str]
    topics: tuple[SensitiveTopic, ...]
    generative: bool


def current() -> PublicConfig:
    config = cache.get(CACHE_KEY)
    if config is None:
        row = ChatbotSettings.current()
        config = PublicConfig(origins=frozenset(o.rstrip("/").lower() for o in row.allowed_origins),
                              topics=tuple(SensitiveTopic.objects.order_by("pk")),
                              generative=row.generative_enabled)
        cache.set(CACHE_KEY, config, TIMEOUT_SECONDS)
    return config


def forget(**_signal) -> None:
    """Drop the town's cached copy now, and after the commit (a request may have cached the old rows meanwhile)."""
    cache.delete(CACHE_KEY)
    schema = connection.schema_name

    def after_commit():
        with schema_context(schema):
            cache.delete(CACHE_KEY)

    transaction.on_commit(after_commit)
