"""Fixed-window request limits for the anonymous endpoints, counted in Redis (the Django cache).

Cache keys carry the town's schema (django-tenants' key function), so one
town's visitors never use up another town's budget. The client is known by
its address only in hashed form; nothing is written to the database.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60


def _client(request) -> str:
    return hashlib.sha256(request.META.get("REMOTE_ADDR", "").encode()).hexdigest()[:16]


def _hit(key: str, limit: int, window: int) -> bool:
    """Count one request; False once ``limit`` is exceeded within the window."""
    cache.add(key, 0, timeout=window + 1)
    try:
        current = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        current = 1
    return current <= limit


def allow(request) -> tuple[bool, int]:
    """(allowed, seconds until the window resets)."""
    window = int(time.time() // WINDOW_SECONDS)
    retry_after = WINDOW_SECONDS - int(time.time() % WINDOW_SECONDS)
    if not _hit(f"chatbot:rl:town:{window}", settings.CHATBOT_RATE_PER_TOWN, WINDOW_SECONDS):
        return False, retry_after
    if not _hit(f"chatbot:rl:client:{_client(request)}:{window}", settings.CHATBOT_RATE_PER_CLIENT, WINDOW_SECONDS):
        return False, retry_after
    return True, 0
