from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.audit.log import actor_name, log_action
from core.errors import AlreadyInvited, AlreadyMember, IdentityUnavailable, UnverifiedAddress
from tenants import identity
from tenants.actions.errors import TownError
from tenants.ags import slugify_town, validate_ags, validate_leitweg_id
from tenants.migrating import ensure_template_schema
from tenants.models import Domain, Invitation, Role, Town, TownStatus
from tenants.schemas import clone_template
from tenants.signals import town_onboarded

# Berlin, the largest German municipality, has under four million inhabitants.
MAX_POPULATION = 10_000_000

logger = logging.getLogger(__name__)


def default_population_date(today: dt.date | None = None) -> dt.date:
    """Official population figures refer to 31 December; the latest published is last year's."""
    today = today or dt.date.today()
    return dt.date(today.year - 1, 12, 31)


@dataclass
class TownData:
    ags: str
    name: str
    population: int
    population_date: dt.date | None = None
    kreis: str | None = None
    kreis_name: str = ""
    land: str | None = None
    leitweg_id: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    slug: str | None = None
    street: str = ""
    postcode: str = ""
    city: str = ""

    def cleaned(self) -> TownData:
        """Validated copy; raises TownError with every problem found."""
        problems: list[str] = []
        name = (self.name or "").strip()
        if not name:
            problems.append(_("The name is missing."))
        ags = self.ags
        try:
            ags = validate_ags(self.ags, kreis=self.kreis, land=self.land)
        except ValidationError as exc:
            problems.extend(exc.messages)
        try:
            population = int(str(self.population)[:20])
            if not 0 <= population <= MAX_POPULATION:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(_("The population must be a whole number ≥ 0, not “%(population)s”.")
                            % {"population": str(self.population)[:20]})
            population = 0
        for label, value, longest in (("name", name, 100), ("kreis_name", self.kreis_name, 100),
                                      ("contact_name", self.contact_name, 200),
                                      ("contact_email", self.contact_email, 254),
                                      ("contact_phone", self.contact_phone, 50)):
            if len((value or "").strip()) > longest:
                problems.append(f"{label} ist länger als {longest} Zeichen. / {label} is longer than {longest} "
                                f"characters.")
            if "\x00" in (value or ""):
                problems.append(f"{label} enthält ein NUL-Zeichen. / {label} contains a NUL character.")
        leitweg_id = (self.leitweg_id or "").strip()
        if leitweg_id:
            try:
                leitweg_id = validate_leitweg_id(leitweg_id)
            except ValidationError as exc:
                problems.extend(exc.messages)
        postcode = (self.postcode or "").strip()
        if postcode and not (len(postcode) == 5 and postcode.isdigit()):
            problems.append(_("A post code has five digits, not “%(postcode)s”.") % {"postcode": postcode})
        slug = slugify_town(self.slug or name) if (self.slug or name) else ""
        if name and not slug:
            problems.append(_("No host name can be made from “%(name)s”.") % {"name": name})
        if problems:
            raise TownError(" ".join(problems))
        return TownData(
            ags=ags, name=name, population=population,
            population_date=self.population_date or default_population_date(),
            kreis=ags[:5], kreis_name=(self.kreis_name or "").strip(), land=ags[:2], leitweg_id=leitweg_id,
            contact_name=(self.contact_name or "").strip(), contact_email=(self.contact_email or "").strip(),
            contact_phone=(self.contact_phone or "").strip(), slug=slug,
            street=(self.street or "").strip(), postcode=postcode, city=(self.city or "").strip(),
        )


def onboard_town(data: TownData, *, actor: Any = None, activate: bool = False) -> tuple[Town, bool]:
    """Create a town: its row, its host, its schema (cloned from the template) and an audit entry.

    Idempotent per AGS: onboarding an AGS again returns the existing town and
    ``created=False``. Runs in one transaction (nested in the caller's, so an
    import of many towns is all or nothing).
    """
    clean = data.cleaned()
    existing = Town.objects.filter(ags=clean.ags).first()
    if existing is not None:
        return _existing(existing, clean), False
    other = Town.objects.filter(slug=clean.slug).first()
    if other is not None:
        raise TownError(_("The host name “%(slug)s” belongs to %(town)s (AGS %(ags)s) already; please choose "
                          "another.") % {"slug": clean.slug, "town": other.name, "ags": other.ags})
    ensure_template_schema()
    try:
        with transaction.atomic():
            town = Town.objects.create(
                schema_name=Town.schema_name_for(clean.ags), name=clean.name, slug=clean.slug, ags=clean.ags,
                land=clean.land, kreis=clean.kreis, kreis_name=clean.kreis_name, population=clean.population,
                population_date=clean.population_date, leitweg_id=clean.leitweg_id,
                contact_name=clean.contact_name, contact_email=clean.contact_email,
                contact_phone=clean.contact_phone, street=clean.street, postcode=clean.postcode, city=clean.city,
                status=TownStatus.ACTIVE if activate else TownStatus.ONBOARDING,
            )
            Domain.objects.create(domain=town.host, tenant=town, is_primary=True)
            clone_template(town.schema_name)
            town_onboarded.send(sender=Town, town=town, actor=actor)
            log_action("tenants.town.onboarded", actor=actor, town=town, ags=town.ags, name=town.name,
                       host=town.host, population=town.population, status=town.status)
            # Keycloak last: if it fails, the transaction takes back everything above.
            _provision_identity(town, actor)
    except IntegrityError:
        # Someone onboarded the same AGS at the same moment: theirs stands.
        existing = Town.objects.filter(ags=clean.ags).first()
        if existing is None:
            raise
        return _existing(existing, clean), False
    return town, True


def _provision_identity(town: Town, actor: Any) -> None:
    try:
        organization_id = identity.provider().provision_town(town)
    except IdentityUnavailable as exc:
        undo_identity(town)  # whatever part of it Keycloak made before it failed
        raise TownError(str(exc)) from exc
    if not (organization_id and town.contact_email):
        return
    try:
        invitation = Invitation.objects.create(town=town, email=town.contact_email, role=Role.TOWN_ADMIN,
                                               invited_by=actor_name(actor))
        try:
            first_name, _space, last_name = town.contact_name.strip().rpartition(" ")
            invitation.keycloak_user_id = identity.provider().invite(town, town.contact_email,
                                                                     first_name=first_name, last_name=last_name)
        except AlreadyMember:
            # An Organization kept from an earlier attempt already has the contact as a member.
            invitation.delete()
            return
        except AlreadyInvited:
            # ... or its open invitation of the contact: the town admin can send that one again.
            pass
        except UnverifiedAddress:
            # An account claims the contact's address without having proven it: invite nobody.
            logger.warning("%s not invited: an account holds the address unverified", town.contact_email)
            invitation.delete()
            return
        invitation.save(update_fields=["keycloak_user_id"])
        log_action("tenants.member.invited", actor=actor, town=town, email=town.contact_email,
                   role=Role.TOWN_ADMIN.value)
    except IdentityUnavailable as exc:
        # The database takes the town back; Keycloak must not keep its Organization either.
        undo_identity(town)
        raise TownError(str(exc)) from exc


def undo_identity(town: Town) -> None:
    """Remove the Organization of a town whose onboarding was rolled back (best effort, logged)."""
    try:
        identity.provider().deprovision_town(town)
    except IdentityUnavailable:
        logger.warning("Organization %s stays in Keycloak after a rolled-back onboarding; onboarding the "
                       "town again reuses it", town.slug)


def _existing(town: Town, clean: TownData) -> Town:
    if town.status == TownStatus.OFFBOARDED:
        raise TownError(_("The town with AGS %(ags)s (%(town)s) was offboarded on %(date)s.") % {
            "ags": town.ags, "town": town.name, "date": f"{town.offboarded_at:%d.%m.%Y}"})
    if town.name != clean.name:
        raise TownError(_("AGS %(ags)s belongs to %(town)s already, not to %(other)s.") % {
            "ags": town.ags, "town": town.name, "other": clean.name})
    return town
