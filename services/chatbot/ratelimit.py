"""Fixed-window request limits for the anonymous endpoints, counted in Redis.

Two budgets per minute: each client's (``CHATBOT_RATE_PER_CLIENT``) and the
town's (``CHATBOT_RATE_PER_TOWN``), both in ``services/chatbot/conf.py``. A request over the client's budget is
refused *without* touching the town's, and a request refused because the town
is full is taken off the town's count again: only answered requests use the
town's budget, so one address sending as fast as it can locks out itself, not
every citizen of the town. Both are decided in one round trip (a Lua script
runs atomically in Redis).

The client is known by its address (``core.client_address``: through the
trusted proxies, never a forwarded header from anybody else), kept only in
hashed form; nothing is written to the database. Keys carry the town's schema,
so one town's visitors never use up another town's budget.

Redis unreachable: the limit is not applied (requests are answered, a warning
is logged per request); the chatbot stays available and the limit returns with
Redis. A slow Redis is given the cache's socket timeouts before that.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time

import redis
from django.conf import settings
from django.db import connection

from core.client_address import client_address
from services.chatbot import conf

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
TIMEOUT_SECONDS = 0.5

_COUNT = """
local client = redis.call('INCR', KEYS[1])
if client == 1 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
if client > tonumber(ARGV[1]) then return 0 end
local town = redis.call('INCR', KEYS[2])
if town == 1 then redis.call('EXPIRE', KEYS[2], ARGV[3]) end
if town > tonumber(ARGV[2]) then
  redis.call('DECR', KEYS[2])
  return 0
end
return 1
"""


@functools.cache
def _script(url: str):
    options = settings.CACHES["default"].get("OPTIONS", {})
    client = redis.Redis.from_url(url, socket_connect_timeout=options.get("socket_connect_timeout", TIMEOUT_SECONDS),
                                  socket_timeout=options.get("socket_timeout", TIMEOUT_SECONDS))
    return client.register_script(_COUNT)


def _client(request) -> str:
    return hashlib.sha256(client_address(request).encode()).hexdigest()[:16]


def allow(request) -> tuple[bool, int]:
    """Count one request; (allowed, seconds until the window resets)."""
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    prefix = f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:chatbot:rl:{connection.schema_name}"
    town_key, client_key = f"{prefix}:town:{window}", f"{prefix}:client:{_client(request)}:{window}"
    try:
        allowed = bool(_script(conf.RATE_REDIS_URL or settings.REDIS_URL)(
            keys=[client_key, town_key], args=[conf.RATE_PER_CLIENT, conf.RATE_PER_TOWN, WINDOW_SECONDS + 1]))
    except redis.RedisError as error:
        # Stated decision (docs/operators.md): with Redis down citizens are not limited (fail open); a
        # restarted Redis counts afresh. Refusing every citizen would turn a Redis restart into an outage.
        logger.warning("chatbot rate limit not applied: Redis unreachable (%s)", type(error).__name__)
        return True, 0
    return allowed, 0 if allowed else WINDOW_SECONDS - int(now % WINDOW_SECONDS)
