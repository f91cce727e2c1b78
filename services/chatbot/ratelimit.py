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
import logging
import time

import redis
from django.conf import settings
from django.db import connection

from services.chatbot import conf

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


@functools.cache
def _redis() -> redis.Redis:
    options = settings.CACHES["default"].get("OPTIONS", {})
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"],
                                socket_connect_timeout=options.get("socket_connect_timeout", 0.5),
                                socket_timeout=options.get("socket_timeout", 1.0))


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
    try:
        town_count, _, client_count, _ = pipe.execute()
    except (redis.ConnectionError, redis.TimeoutError) as error:
        # Stated decision (docs/operators.md): with Redis down citizens are not limited (fail open);
        # a restarted Redis counts afresh. Refusing every citizen would turn a Redis restart into an outage.
        logger.warning("Rate limit not counted, Redis unavailable (%s): request allowed", error)
        return True, 0
    allowed = town_count <= conf.RATE_PER_TOWN and client_count <= conf.RATE_PER_CLIENT
    return allowed, 0 if allowed else WINDOW_SECONDS - int(now % WINDOW_SECONDS)
