from django.core.management.base import BaseCommand, CommandError

from tenants.actions import TownError, offboard_town
from tenants.models import Town


class Command(BaseCommand):
    help = "Erase a town's data (schema, files, host, memberships). Needs an intact export and --confirm."

    def add_arguments(self, parser):
        parser.add_argument("--ags", required=True)
        parser.add_argument("--confirm", action="store_true", help="yes, erase the town's data")

    def handle(self, *args, **o):
        town = Town.objects.filter(ags=o["ags"]).first()
        if town is None:
            raise CommandError(f"No town with AGS {o['ags']}")
        try:
            town = offboard_town(town, confirm=o["confirm"], actor="cli:offboard_town")
        except TownError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{town.name} ({town.ags}) offboarded; its audit trail is kept.")
