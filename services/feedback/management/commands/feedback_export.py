from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from services.feedback import formats
from services.feedback.management.commands._town import town_by_ags
from services.feedback.models import Project
from services.feedback.queries import export_file


class Command(BaseCommand):
    help = "Export a project's contributions with topics, sentiment, duplicates, spam and review state."

    def add_arguments(self, parser):
        parser.add_argument("--town", required=True, metavar="AGS")
        parser.add_argument("--project", required=True, metavar="SLUG")
        parser.add_argument("--format", required=True, choices=sorted(formats.EXPORT_FORMATS))
        parser.add_argument("--out", required=True, type=Path)

    def handle(self, *args, **o):
        town = town_by_ags(o["town"])
        with schema_context(town.schema_name):
            project = Project.objects.filter(slug=o["project"]).first()
            if project is None:
                raise CommandError(f"No project {o['project']!r} in {town.name}")
            data = export_file(project, o["format"]).data
        o["out"].write_bytes(data)
        self.stdout.write(f"{o['out']}: {len(data)} bytes")
