"""Fixed-window request limits for the anonymous endpoints, counted in Redis.

Both counters (the town's and the client's) are counted in one round trip. Keys
carry the town's schema, so one town's visitors never use up another town's
budget; they live in the cache's Redis database, so clearing the cache resets
them. The client is known by its address only in hashed form; nothing is
written to the database.
"""

from __future__ import annotations

import functools
import hashlib
import time

import redis
from django.conf import settings
from django.db import connection

from services.chatbot import conf

WINDOW_SECONDS = 60


@functools.cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


def _client(request) -> str:
    return hashlib.sha256(request.META.get("REMOTE_ADDR", "").encode()).hexdigest()[:16]


def allow(request) -> tuple[bool, int]:
    """Count one request; (allowed, seconds until the window resets)."""
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    prefix = f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:chatbot:rl:{connection.schema_name}"
    town_key, client_key = f"{prefix}:town:{window}", f"{prefix}:client:{_client(request)}:{window}"
    pipe = _redis().pipeline(transaction=False)
    pipe.incr(town_key).expire(town_key, WINDOW_SECONDS + 1)
    pipe.incr(client_key).expire(client_key, WINDOW_SECONDS + 1)
    town_count, _, client_count, _ = pipe.execute()
    allowed = town_count <= conf.RATE_PER_TOWN and client_count <= conf.RATE_PER_CLIENT
    return allowed, 0 if allowed else WINDOW_SECONDS - int(now % WINDOW_SECONDS)
