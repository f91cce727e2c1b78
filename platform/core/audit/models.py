import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

ACTION_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2,}$")


def validate_action(value: str) -> None:
    if not ACTION_NAME.match(value):
        raise ValidationError(f"audit action {value!r} must be namespaced like 'tenants.town.onboarded'")


class AuditEntry(models.Model):
    """One state change. Rows are never updated or deleted (a database trigger enforces it)."""

    action = models.CharField(_("action"), max_length=100, validators=[validate_action], db_index=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # The actor is stored by name so that removing a user leaves the trail intact.
    actor = models.CharField(_("actor"), max_length=150, blank=True)
    town = models.ForeignKey("tenants.Town", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="audit_entries", verbose_name=_("town"))
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("audit entries are append-only")
        validate_action(self.action)
        super().save(*args, **kwargs)
