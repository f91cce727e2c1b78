from __future__ import annotations

from typing import Any

from core.audit.models import AuditEntry


def actor_name(actor: Any) -> str:
    """A user, a service-account name or a command label, as stored in the log."""
    if actor is None:
        return ""
    if isinstance(actor, str):
        return actor
    if getattr(actor, "is_authenticated", False):
        return actor.get_username()
    return ""


def log_action(action: str, *, actor: Any = None, town=None, **details: Any) -> AuditEntry:
    """Append ``action`` (e.g. ``tenants.town.onboarded``) to the audit log."""
    return AuditEntry.objects.create(action=action, actor=actor_name(actor), town=town, details=details)
