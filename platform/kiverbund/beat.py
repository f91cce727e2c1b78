"""Celery beat that can never run twice: it sends schedules only while it holds a Redis lock.

Kubernetes runs one beat pod (replicas 1, Recreate), but a pod on a node that lost
contact may still be running when its replacement starts. Two beats would send every
periodic task twice, so each beat first takes the lock ``<prefix>:beat`` (with an
expiry, renewed on every tick) and waits while another holds it. A beat that cannot
renew its lock (another took it after an outage) stops sending and exits; Kubernetes
starts it again and it waits for the lock.

Beat touches ``HEARTBEAT_FILE`` on every tick and while it waits for the lock
(core.heartbeat): the chart's liveness probe restarts a beat whose loop hangs.

    celery -A kiverbund beat --scheduler kiverbund.beat:LockedScheduler
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid

from django.conf import settings

from catalog.schedule import ServiceScheduler
from core import heartbeat

logger = logging.getLogger(__name__)

LOCK_SECONDS = int(os.environ.get("BEAT_LOCK_SECONDS", "60"))
# Renewed at least this often; beat's own tick may be longer (up to its max interval).
RENEW_EVERY = max(1, LOCK_SECONDS // 4)


def lock_key() -> str:
    """``BEAT_LOCK_KEY``, else ``<cache key prefix>:beat``: deployments sharing a Redis keep apart by prefix."""
    return os.environ.get("BEAT_LOCK_KEY") or f"{settings.CACHES['default'].get('KEY_PREFIX', 'kiverbund')}:beat"


class LostLock(SystemExit):
    pass


class BeatLock:
    """A Redis key holding this beat's token; set only if absent, renewed only while it is ours."""

    _RENEW = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
              "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end")
    _RELEASE = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
                "return redis.call('del', KEYS[1]) else return 0 end")

    def __init__(self, url: str, key: str, seconds: int = LOCK_SECONDS):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.key = key
        self.seconds = seconds
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def try_acquire(self) -> bool:
        return bool(self.client.set(self.key, self.token, nx=True, px=self.seconds * 1000))

    def acquire(self, poll: float = 2.0) -> None:
        announced = False
        while not self.try_acquire():
            heartbeat.beat()
            if not announced:
                logger.info("beat lock %s is held by %s: waiting", self.key, self.holder())
                announced = True
            time.sleep(poll)
        logger.info("beat lock %s taken by %s", self.key, self.token)

    def renew(self) -> bool:
        return bool(self.client.eval(self._RENEW, 1, self.key, self.token, self.seconds * 1000))

    def release(self) -> None:
        self.client.eval(self._RELEASE, 1, self.key, self.token)

    def holder(self) -> str:
        value = self.client.get(self.key)
        return value.decode() if value else ""


class LockedScheduler(ServiceScheduler):
    """The platform's scheduler (with the services' periodic tasks), sending only while it holds the beat lock."""

    def __init__(self, *args, **kwargs):
        heartbeat.beat()
        self._lock = BeatLock(settings.CELERY_BROKER_URL, lock_key())
        self._lock.acquire()
        self._renewed = time.monotonic()
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        if not self._lock.renew():
            logger.error("beat lock %s lost (now held by %r): stopping", self._lock.key, self._lock.holder())
            raise LostLock(1)
        self._renewed = time.monotonic()
        heartbeat.beat()
        # Wake up in time to renew the lock even when the next task is due much later.
        return min(super().tick(*args, **kwargs), RENEW_EVERY, heartbeat.interval())

    def close(self):
        try:
            super().close()
        finally:
            self._lock.release()
