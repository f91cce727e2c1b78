from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit.log import log_action
from tenants.actions.errors import TownError
from tenants.hosts import forget_town_hosts
from tenants.models import STATUS_TRANSITIONS, Town, TownStatus


def _transition(town: Town, new: TownStatus, action: str, actor: Any, **details: Any) -> Town:
    with transaction.atomic():
        town = Town.objects.select_for_update().get(pk=town.pk)
        if town.status == new:
            return town
        if new not in STATUS_TRANSITIONS[TownStatus(town.status)]:
            raise TownError(_("%(town)s: the status “%(old)s” cannot change to “%(new)s”.") % {
                "town": town.name, "old": town.get_status_display(), "new": new.label})
        old = town.status
        Town.objects.filter(pk=town.pk).update(status=new)
        forget_town_hosts(town.pk)
        town.status = new
        log_action(action, actor=actor, town=town, previous_status=old, **details)
    return town


def activate_town(town: Town, *, actor: Any = None) -> Town:
    return _transition(town, TownStatus.ACTIVE, "tenants.town.activated", actor)


def suspend_town(town: Town, *, actor: Any = None, reason: str = "") -> Town:
    return _transition(town, TownStatus.SUSPENDED, "tenants.town.suspended", actor, reason=reason)
