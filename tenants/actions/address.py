"""A town's postal address: what an invoice to it (XRechnung) needs besides the Leitweg-ID."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit.log import log_action
from tenants.actions.errors import TownError
from tenants.models import Town


def set_postal_address(town: Town, *, street: str, postcode: str, city: str, actor: Any = None) -> Town:
    street, postcode, city = (street or "").strip(), (postcode or "").strip(), (city or "").strip()
    problems = []
    if not street:
        problems.append(_("Street and number are missing."))
    if not (len(postcode) == 5 and postcode.isdigit()):
        problems.append(_("A post code has five digits, not “%(postcode)s”.") % {"postcode": postcode})
    if not city:
        problems.append(_("The city is missing."))
    if problems:
        raise TownError(" ".join(problems))
    with transaction.atomic():
        town = Town.objects.select_for_update().get(pk=town.pk)
        previous = {"street": town.street, "postcode": town.postcode, "city": town.city}
        town.street, town.postcode, town.city = street, postcode, city
        town.save(update_fields=["street", "postcode", "city", "updated_at"])
        log_action("tenants.town.address_changed", actor=actor, town=town, street=street, postcode=postcode,
                   city=city, previous=previous)
    return town
