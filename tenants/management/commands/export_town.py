from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tenants.actions import TownError, export_town
from tenants.models import Town


class Command(BaseCommand):
    help = "Export all of a town's data to a zip file (one JSON file per model, its files, a manifest)."

    def add_arguments(self, parser):
        parser.add_argument("--ags", required=True)
        parser.add_argument("--out", required=True, type=Path, help="target .zip file")

    def handle(self, *args, **o):
        town = Town.objects.filter(ags=o["ags"]).first()
        if town is None:
            raise CommandError(f"No town with AGS {o['ags']}")
        try:
            record = export_town(town, o["out"], actor="cli:export_town")
        except TownError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{record.path}: {record.manifest['rows']} rows, {record.manifest['file_count']} entries, "
                          f"sha256 {record.sha256}")
