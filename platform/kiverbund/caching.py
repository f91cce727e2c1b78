"""Cached facts about towns, read on every request and dropped when they change.

They live in ``caches["shared"]`` (settings.CACHES): the same Redis database as the
default cache, with keys that do not depend on the current schema, so a change made
in the console's schema drops what a town's requests cached (keys name the town
themselves). ``forget`` deletes at once and again after the commit: a request may
read and cache the old rows before the change commits.
"""

from __future__ import annotations

from django.core.cache import caches
from django.db import transaction


def shared():
    return caches["shared"]


def forget(*keys: str) -> None:
    if keys:
        shared().delete_many(keys)
        transaction.on_commit(lambda: shared().delete_many(keys))
