"""Portal sessions: stored in the database, read through the shared cache for a short time.

Every signed-in request reads its session; with the database backend that is a query per
request. Here a session is read from ``caches["shared"]`` (keys without a schema, so the
console and the towns' hosts agree) and from the database only on a miss. Writes go to the
database first, then to the cache; logging out deletes both.

A cached copy lives at most ``SESSION_CACHE_SECONDS``: should Redis be unreachable while a
session is deleted, the stale copy it still holds when it comes back ends within that time,
not with the session's own expiry (hours).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.sessions.backends import cached_db

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    cache_key_prefix = "portal-session:"

    def _cache_seconds(self, expiry=None) -> int:
        return max(0, min(settings.SESSION_CACHE_SECONDS, self.get_expiry_age(expiry=expiry)))

    def load(self):
        data = self._cache.get(self.cache_key)
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        self._cache.set(self.cache_key, data, self._cache_seconds(expiry=stored.expire_date))
        return data

    def save(self, must_create=False):
        # The database's save, not cached_db's: that one caches for the session's whole age.
        super(cached_db.SessionStore, self).save(must_create)
        self._cache.set(self.cache_key, self._session, self._cache_seconds())
