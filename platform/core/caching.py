"""Cached facts about towns, read on every request and dropped when they change.

They live in ``caches["shared"]`` (settings.CACHES): the same Redis database as the
default cache, with keys that do not depend on the current schema, so a change made
in the console's schema drops what a town's requests cached (keys name the town
themselves). ``forget`` deletes at once and again after the commit: a request may
read and cache the old rows before the change commits.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)


def shared():
    return caches["shared"]


def forget(*keys: str) -> None:
    if keys:
        shared().delete_many(keys)
        transaction.on_commit(lambda: shared().delete_many(keys))


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache, except that Redis down is a cache miss, not an error.

    Everything we cache can be computed again from the database, so pages and APIs keep
    answering while Redis restarts (slower: every read goes to the database). After a
    failed call Redis is left alone for ``PAUSE_SECONDS`` so that an unreachable server
    does not cost a connection timeout per cache call. A delete that fails while Redis is
    unreachable leaves the entry to expire by its timeout (60 s for the facts about towns).
    """

    PAUSE_SECONDS = 2.0
    _down_until = 0.0

    def _guard(self, default, call, *args, **kwargs):
        if time.monotonic() < FailOpenRedisCache._down_until:
            return default
        try:
            return call(*args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError) as error:
            if time.monotonic() >= FailOpenRedisCache._down_until:
                logger.warning("Cache unavailable (%s); answering from the database for now", error)
            FailOpenRedisCache._down_until = time.monotonic() + self.PAUSE_SECONDS
            return default

    def get(self, key, default=None, version=None):
        return self._guard(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guard(False, super().has_key, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._guard(None, super().set, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(False, super().add, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(list(data), super().set_many, data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        self._guard(None, super().delete_many, keys, version)
