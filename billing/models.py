from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class UsageEvent(models.Model):
    """One measured use of a service by a town. Append-only; one row per idempotency key."""

    town = models.ForeignKey("tenants.Town", on_delete=models.PROTECT, related_name="usage_events")
    service = models.SlugField(_("service"), max_length=50)
    unit = models.SlugField(_("unit"), max_length=50)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3,
                                   validators=[MinValueValidator(0)])
    idempotency_key = models.CharField(max_length=200)
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["town", "service", "idempotency_key"], name="usage_once_per_key"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="usage_quantity_positive"),
        ]
        indexes = [models.Index(fields=["service", "occurred_at"])]
        verbose_name = _("usage event")

    def __str__(self) -> str:
        return f"{self.town_id} {self.service}/{self.unit} {self.quantity} @ {self.occurred_at:%Y-%m-%d}"
