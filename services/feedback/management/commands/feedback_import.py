from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_tenants.utils import schema_context

from services.feedback import formats
from services.feedback.actions.importing import import_contributions
from services.feedback.actions.projects import get_or_create_project
from services.feedback.management.commands._town import town_by_ags


class Command(BaseCommand):
    help = ("Import contributions (CSV, TSV, XLSX or JSON with the columns id and text) into a participation "
            "project, creating the project if missing. All rows or, if any row has errors, nothing.")

    def add_arguments(self, parser):
        parser.add_argument("--town", required=True, metavar="AGS", help="the town's 8-digit AGS")
        parser.add_argument("--project", required=True, metavar="SLUG", help="the project's short name")
        parser.add_argument("file", type=Path)

    def handle(self, *args, **o):
        town = town_by_ags(o["town"])
        path: Path = o["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            rows = formats.read_rows(path.read_bytes(), path.name)
        except formats.FileFormatError as error:
            raise CommandError(str(error)) from None
        actor = "cli:feedback_import"
        with schema_context(town.schema_name):
            with transaction.atomic():
                project, created = get_or_create_project(o["project"], actor=actor, town=town)
                report = import_contributions(project, rows, actor=actor, town=town)
                if not report.ok:
                    transaction.set_rollback(True)  # not even the project stays
        if not report.ok:
            for error in report.errors[:200]:
                self.stderr.write(f"row {error.row} (id {error.external_id or '-'}): {error.message}")
            raise CommandError(f"{len(report.errors)} rows with errors; nothing was imported.")
        self.stdout.write(f"{town.name} / {project.slug}{' (new project)' if created else ''}: "
                          f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged")
