from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit.log import log_action
from core.errors import IdentityUnavailable
from tenants import identity
from tenants.actions.errors import TownError
from tenants.actions.export import _file_sha256, town_media_dir
from tenants.models import Domain, Invitation, Membership, Town, TownExport, TownStatus
from tenants.schemas import drop_schema
from tenants.signals import town_offboarding


def offboard_town(town: Town, *, confirm: bool, actor: Any = None) -> Town:
    """Erase a town's data for good: drop its schema and files, remove its host, members and invitations.

    Refuses unless an export of the town exists and is intact. The town's
    subscriptions end (open requests are withdrawn), so it stops counting as a
    subscriber. The town row (status ``offboarded``), its audit trail, and the
    records others rely on (statements, usage, the KI-Register history) stay.
    """
    if not confirm:
        raise TownError(_("Offboarding erases all of the town's data; please confirm it explicitly."))
    if town.status == TownStatus.OFFBOARDED:
        return town
    export = TownExport.objects.filter(town=town).order_by("-created_at").first()
    if export is None:
        raise TownError(_("There is no data export of %(town)s yet; export it first.") % {"town": town.name})
    path = Path(export.path)
    if not path.exists() or _file_sha256(path) != export.sha256:
        raise TownError(_("The latest export (%(path)s) is missing or altered; please export again.") % {"path": path})
    media = town_media_dir(town)
    with transaction.atomic():
        town = Town.objects.select_for_update().get(pk=town.pk)
        drop_schema(town.schema_name)
        try:
            identity.provider().deprovision_town(town)
        except IdentityUnavailable as exc:
            raise TownError(str(exc)) from exc
        hosts = list(Domain.objects.filter(tenant=town).values_list("domain", flat=True))
        Domain.objects.filter(tenant=town).delete()
        members = Membership.objects.filter(town=town).delete()[0]
        # Invitations name people by e-mail address: personal data with no use once the town is gone.
        invitations = Invitation.objects.filter(town=town).delete()[0]
        # The catalogue ends the town's subscriptions (and withdraws open requests).
        reactions: dict = {}
        for _receiver, counts in town_offboarding.send(sender=Town, town=town, actor=actor):
            reactions.update(counts or {})
        now = timezone.now()
        Town.objects.filter(pk=town.pk).update(status=TownStatus.OFFBOARDED, offboarded_at=now)
        town.status, town.offboarded_at = TownStatus.OFFBOARDED, now
        log_action("tenants.town.offboarded", actor=actor, town=town, export_sha256=export.sha256,
                   export_path=export.path, hosts=hosts, memberships_removed=members,
                   invitations_removed=invitations, **reactions)
        transaction.on_commit(lambda: shutil.rmtree(media, ignore_errors=True))
    return town
