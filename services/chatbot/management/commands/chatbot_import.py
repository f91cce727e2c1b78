from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from services.chatbot.actions.knowledge import import_entries
from services.chatbot.management.files import town_and_rows


class Command(BaseCommand):
    help = ("Import a knowledge base (CSV, TSV, XLSX or JSON) into a town's chatbot. Entries are matched by "
            "the file's id column; the whole file is imported or, if any row has errors, nothing.")

    def add_arguments(self, parser):
        parser.add_argument("--town", required=True, metavar="AGS", help="the town's 8-digit AGS")
        parser.add_argument("file", type=Path)

    def handle(self, *args, **o):
        town, rows = town_and_rows(o["town"], o["file"])
        with schema_context(town.schema_name):
            report = import_entries(rows, actor="cli:chatbot_import", town=town)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(f"row {error.row} (id {error.external_id or '-'}): {error.message}")
            raise CommandError(f"{len(report.errors)} rows with errors; nothing was imported.")
        self.stdout.write(f"{town.name}: {report.created} created, {report.updated} updated, "
                          f"{report.unchanged} unchanged")
