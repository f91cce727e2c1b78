from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from tenants.ags import LAENDER


class TownStatus(models.TextChoices):
    ONBOARDING = "onboarding", _("Onboarding")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    OFFBOARDED = "offboarded", _("Offboarded")


# Which status may follow which; offboarding is final.
STATUS_TRANSITIONS = {
    TownStatus.ONBOARDING: {TownStatus.ACTIVE, TownStatus.OFFBOARDED},
    TownStatus.ACTIVE: {TownStatus.SUSPENDED, TownStatus.OFFBOARDED},
    TownStatus.SUSPENDED: {TownStatus.ACTIVE, TownStatus.OFFBOARDED},
    TownStatus.OFFBOARDED: set(),
}


class Town(TenantMixin):
    """A member town of the Verbund; its data lives in its own PostgreSQL schema."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("host name"), max_length=63, unique=True)
    ags = models.CharField(
        _("AGS"), max_length=8, unique=True,
        validators=[RegexValidator(r"^\d{8}$")],
        help_text=_("Amtlicher Gemeindeschlüssel, 8 digits"),
    )
    land = models.CharField(_("Land"), max_length=2, choices=sorted(LAENDER.items()))
    kreis = models.CharField(_("Kreis key"), max_length=5)
    kreis_name = models.CharField(_("Kreis"), max_length=100, blank=True)
    population = models.PositiveIntegerField(_("population"), validators=[MinValueValidator(0)])
    population_date = models.DateField(_("population as of"))
    leitweg_id = models.CharField(_("Leitweg-ID"), max_length=46, blank=True)
    # The postal address an invoice to the town needs (XRechnung BR-DE-8, BR-DE-9: buyer city and post code).
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("post code"), max_length=5, blank=True,
                                validators=[RegexValidator(r"^\d{5}$", _("A German post code has five digits."))])
    city = models.CharField(_("city"), max_length=100, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=TownStatus.choices, default=TownStatus.ONBOARDING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    offboarded_at = models.DateTimeField(null=True, blank=True)
    # Filled by the periodic town statistics job.
    storage_bytes = models.BigIntegerField(default=0)
    document_count = models.PositiveIntegerField(default=0)
    stats_updated_at = models.DateTimeField(null=True, blank=True)

    # Schemas are cloned by tenants.actions.onboarding, never created on save.
    auto_create_schema = False
    auto_drop_schema = False
    clone_mode = "NODATA"

    class Meta:
        ordering = ["name"]
        verbose_name = _("town")
        verbose_name_plural = _("towns")

    def __str__(self) -> str:
        return f"{self.name} ({self.ags})"

    @staticmethod
    def schema_name_for(ags: str) -> str:
        return f"town_{ags}"

    @property
    def has_postal_address(self) -> bool:
        return bool(self.street and self.postcode and self.city)

    @property
    def host(self) -> str:
        return f"{self.slug}.{settings.PLATFORM_DOMAIN}"

    @property
    def url(self) -> str:
        port = "" if settings.PUBLIC_PORT in (80, 443) else f":{settings.PUBLIC_PORT}"
        return f"{settings.PUBLIC_SCHEME}://{self.host}{port}/"

    @property
    def is_live(self) -> bool:
        return self.status in (TownStatus.ONBOARDING, TownStatus.ACTIVE)


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domain")


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("County IT administrator")
    TOWN_ADMIN = "town_admin", _("Town administrator")
    TOWN_STAFF = "town_staff", _("Town staff")
    FINANCE = "finance", _("Finance")
    DPO = "dpo", _("Data protection officer")


class Membership(models.Model):
    """A person's role in a town. Single sign-on keeps these in step with Keycloak."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    town = models.ForeignKey(Town, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "town", "role"], name="unique_membership_role")]

    def __str__(self) -> str:
        return f"{self.user} – {self.town.name} – {self.role}"


class Invitation(models.Model):
    """A colleague invited to a town by e-mail (Keycloak sends the mail); the role applies when they join.

    The invitation belongs to one Keycloak account, never to whoever shows the same
    address later: ``keycloak_user_id`` names the account that was invited (an existing
    one) or that registered through the invitation link (a new one). See
    ``identity.sync``.
    """

    town = models.ForeignKey(Town, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    keycloak_user_id = models.CharField(max_length=64, blank=True)
    role = models.CharField(max_length=20, choices=[(r.value, r.label) for r in Role if r != Role.PLATFORM_ADMIN])
    invited_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.town.name} ({self.role})"


class TownExport(models.Model):
    """A completed export of all of a town's data; offboarding requires one."""

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="exports")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True)
    path = models.CharField(max_length=500)
    size_bytes = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    manifest = models.JSONField()

    class Meta:
        ordering = ["-created_at"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"{self.town.name} {self.created_at:%Y-%m-%d %H:%M}"
