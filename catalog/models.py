"""Catalogue, offerings, subscriptions, compliance checklist and KI-Register (public schema)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.registry import RiskClass, get_service


class Service(models.Model):
    """A registered service, synced from the registry; ``registered`` is False once its app is gone."""

    key = models.SlugField(_("key"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    version = models.CharField(_("version"), max_length=30)
    risk_class = models.CharField(_("AI Act risk class"), max_length=12, choices=RiskClass.CHOICES)
    descriptor = models.JSONField(default=dict)
    registered = models.BooleanField(default=True)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("service")

    def __str__(self) -> str:
        return self.key

    @property
    def meta(self):
        """The live descriptor (translatable texts), or None when the app is no longer installed."""
        return get_service(self.key)

    @property
    def display_name(self) -> str:
        meta = self.meta
        return str(meta.name) if meta else self.name


class PriceModel(models.TextChoices):
    BASE_FEE = "base_fee", _("Annual base fee per town")
    PER_INHABITANT = "per_inhabitant", _("Per inhabitant and year")
    PER_UNIT = "per_unit", _("Per usage unit")
    COST_POOL = "cost_pool", _("Share of an annual cost pool (by population)")


class Offering(models.Model):
    """How the county offers a service: provider, contract (AVV), price plan, availability."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="offerings")
    description = models.TextField(_("description"), blank=True)
    provider = models.CharField(_("provider"), max_length=200)
    contract_title = models.CharField(_("contract / AVV document"), max_length=200)
    contract_version = models.CharField(_("contract version"), max_length=50)
    contract_url = models.URLField(_("contract link"), blank=True)
    price_model = models.CharField(_("price model"), max_length=20, choices=PriceModel.choices)
    # Euros; rates may carry fractions of a cent, charged amounts are rounded to the cent.
    amount = models.DecimalField(_("amount (EUR)"), max_digits=14, decimal_places=4,
                                 validators=[MinValueValidator(Decimal(0))],
                                 help_text=_("Base fee, rate per inhabitant, rate per unit, or the annual pool."))
    unit = models.CharField(_("usage unit"), max_length=50, blank=True)
    available = models.BooleanField(_("available"), default=True)
    requires_county_approval = models.BooleanField(_("activation requires county approval"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["service__key", "pk"]
        verbose_name = _("offering")

    def __str__(self) -> str:
        return f"{self.service.key} ({self.provider})"


class SubscriptionStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested – checklist open")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting county approval")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = [SubscriptionStatus.REQUESTED, SubscriptionStatus.AWAITING_APPROVAL, SubscriptionStatus.ACTIVE]


class Subscription(models.Model):
    town = models.ForeignKey("tenants.Town", on_delete=models.PROTECT, related_name="subscriptions")
    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(_("status"), max_length=20, choices=SubscriptionStatus.choices,
                              default=SubscriptionStatus.REQUESTED)
    requested_by = models.CharField(max_length=150, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.CharField(max_length=150, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.CharField(max_length=150, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.CharField(max_length=150, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [models.UniqueConstraint(
            fields=["town", "offering"], condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
            name="one_open_subscription_per_offering")]

    def __str__(self) -> str:
        return f"{self.town.name} – {self.offering.service.key} ({self.status})"

    @property
    def service(self) -> Service:
        return self.offering.service


class ChecklistItem(models.TextChoices):
    AVV = "avv", _("Data processing agreement (AVV) accepted in the current version")
    DPIA = "dpia", _("Data protection impact assessment (DSFA) done and uploaded, or documented as not required")
    DPO_INFORMED = "dpo_informed", _("Data protection officer informed")
    NO_TRAINING = "no_training", _("Confirmed that inputs are not used to train models")
    STAFF_TRAINED = "staff_trained", _("Staff trained")
    REGISTER_REVIEWED = "register_reviewed", _("KI-Register entry reviewed")


class ChecklistEntry(models.Model):
    """One confirmed checklist item: who, when and what (AVV version, DPIA document or reason)."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="checklist")
    item = models.CharField(max_length=30, choices=ChecklistItem.choices)
    confirmed_by = models.CharField(max_length=150)
    confirmed_at = models.DateTimeField(auto_now=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subscription", "item"], name="one_entry_per_item")]

    def __str__(self) -> str:
        return f"{self.subscription_id}: {self.item}"


class DpoSignOff(models.Model):
    """The data protection officer's sign-off of a complete checklist."""

    subscription = models.OneToOneField(Subscription, on_delete=models.CASCADE, related_name="dpo_sign_off")
    signed_by = models.CharField(max_length=150)
    signed_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.subscription_id}: {self.signed_by}"


class RegisterEntry(models.Model):
    """A town's public KI-Register entry for one subscription; edits keep every earlier version."""

    subscription = models.OneToOneField(Subscription, on_delete=models.PROTECT, related_name="register_entry")
    town = models.ForeignKey("tenants.Town", on_delete=models.PROTECT, related_name="register_entries")
    texts = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["town__name", "pk"]

    def __str__(self) -> str:
        return self.texts.get("name", "") or str(self.pk)


class RegisterEntryVersion(models.Model):
    entry = models.ForeignKey(RegisterEntry, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    texts = models.JSONField()
    edited_by = models.CharField(max_length=150, blank=True)
    edited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["entry", "version"], name="unique_register_version")]

    def __str__(self) -> str:
        return f"{self.entry_id} v{self.version}"
