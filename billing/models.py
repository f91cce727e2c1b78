from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
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


class UsageVoid(models.Model):
    """County finance takes a usage event out of billing: a new entry beside it, never an edit or a delete."""

    event = models.OneToOneField(UsageEvent, on_delete=models.PROTECT, related_name="void")
    reason = models.CharField(_("reason"), max_length=500)
    voided_by = models.CharField(max_length=150)
    voided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("voided usage event")

    def __str__(self) -> str:
        return f"void of usage event {self.event_id}"


class CostCategory(models.TextChoices):
    LICENCES = "licences", _("Licences")
    HOSTING = "hosting", _("Hosting and compute")
    STAFF = "staff", _("Staff")
    OVERHEAD = "overhead", _("Overhead")


class CostPool(models.Model):
    """What running a service cost the provider in one month, by category."""

    service = models.SlugField(_("service"), max_length=50)
    period = models.DateField(_("month"), help_text=_("first day of the month"))
    category = models.CharField(_("category"), max_length=20, choices=CostCategory.choices)
    amount = models.DecimalField(_("amount (EUR)"), max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(0)])
    description = models.CharField(_("description"), max_length=300, blank=True)
    document = models.FileField(_("document"), upload_to="billing/pools/%Y/%m/", blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period", "service", "category"]
        indexes = [models.Index(fields=["period", "service"])]
        verbose_name = _("cost pool entry")

    def __str__(self) -> str:
        return f"{self.service} {self.period:%Y-%m} {self.category}: {self.amount} €"


class AllocationRule(models.Model):
    """How a service's costs are split among its subscribers (one rule per service)."""

    service = models.SlugField(_("service"), max_length=50, unique=True)
    kind = models.CharField(_("allocation key"), max_length=20, choices=[
        ("equal", _("Equal shares")), ("population", _("By population")), ("usage", _("By usage")),
        ("base_plus_usage", _("Base share plus usage")), ("weighted", _("Weighted mix")),
    ])
    usage_unit = models.SlugField(_("usage unit"), max_length=50, blank=True)
    base_fraction = models.DecimalField(_("equal base share"), max_digits=4, decimal_places=3, default=Decimal("0.3"),
                                        validators=[MinValueValidator(0), MaxValueValidator(1)])
    weight_equal = models.DecimalField(max_digits=6, decimal_places=3, default=0, validators=[MinValueValidator(0)])
    weight_population = models.DecimalField(max_digits=6, decimal_places=3, default=0,
                                            validators=[MinValueValidator(0)])
    weight_usage = models.DecimalField(max_digits=6, decimal_places=3, default=0, validators=[MinValueValidator(0)])
    updated_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("allocation rule")

    def __str__(self) -> str:
        return f"{self.service}: {self.kind}"


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class BillingPeriod(models.Model):
    month = models.DateField(_("month"), unique=True)
    status = models.CharField(max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN)
    last_run_at = models.DateTimeField(null=True, blank=True)
    # A run queued from the page or the API (billing.run_period task); its failure, if any, until the next run.
    run_requested_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # What the last run left out so that the others could be billed (an implausible figure, a statement
    # too large to store), one sentence each; shown on the finance page and in the API.
    warnings = models.JSONField(default=list, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("billing period")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} ({self.status})"

    @property
    def run_pending(self) -> bool:
        """A queued run has not finished (nor failed) yet."""
        return bool(self.run_requested_at and not self.last_error
                    and (not self.last_run_at or self.run_requested_at > self.last_run_at))


class Statement(models.Model):
    """A town's share for one period: a snapshot that every report format renders.

    Drafts are replaced by each run while the period is open; closing makes
    them final. A correction is a new statement that references the one it
    corrects; a final statement never changes.
    """

    period = models.ForeignKey(BillingPeriod, on_delete=models.PROTECT, related_name="statements")
    town = models.ForeignKey("tenants.Town", on_delete=models.PROTECT, related_name="statements")
    number = models.CharField(max_length=60, unique=True)
    final = models.BooleanField(default=False)
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    total = models.DecimalField(max_digits=14, decimal_places=2)
    value_of_time = models.DecimalField(max_digits=14, decimal_places=2)
    alone_total = models.DecimalField(max_digits=14, decimal_places=2)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period", "town__name", "created_at"]
        verbose_name = _("statement")

    def __str__(self) -> str:
        return self.number


class EfficiencyOverride(models.Model):
    """A town's own estimate of staff minutes saved per unit, replacing the service descriptor's."""

    town = models.ForeignKey("tenants.Town", on_delete=models.CASCADE, related_name="efficiency_overrides")
    service = models.SlugField(max_length=50)
    unit = models.SlugField(max_length=50)
    minutes_saved = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["town", "service", "unit"], name="one_override_per_unit")]

    def __str__(self) -> str:
        return f"{self.town_id} {self.service}/{self.unit}: {self.minutes_saved} min"
