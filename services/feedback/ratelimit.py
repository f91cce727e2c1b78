"""Hourly limits of the public submissions per client address (hashed) and per town, counted in Redis."""

from __future__ import annotations

import functools
import hashlib
import time

import redis
from django.conf import settings
from django.db import connection

from services.feedback import conf

WINDOW_SECONDS = 3600


@functools.cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


def allow(request) -> bool:
    window = int(time.time() // WINDOW_SECONDS)
    client = hashlib.sha256(request.META.get("REMOTE_ADDR", "").encode()).hexdigest()[:16]
    prefix = f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:feedback:rl:{connection.schema_name}"
    town_key, client_key = f"{prefix}:town:{window}", f"{prefix}:client:{client}:{window}"
    pipe = _redis().pipeline(transaction=False)
    pipe.incr(town_key).expire(town_key, WINDOW_SECONDS + 1)
    pipe.incr(client_key).expire(client_key, WINDOW_SECONDS + 1)
    town_count, _, client_count, _ = pipe.execute()
    return town_count <= conf.SUBMISSIONS_PER_TOWN and client_count <= conf.SUBMISSIONS_PER_CLIENT
