from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from services.chatbot.actions.learning import add_variants
from services.chatbot.management.files import town_and_rows


class Command(BaseCommand):
    help = ("Add citizens' wordings as question variants of existing entries, from a TSV (or CSV, XLSX, JSON) "
            "file with the columns question and faq_id (the entry's id). All rows are added or, if any row has "
            "errors, none.")

    def add_arguments(self, parser):
        parser.add_argument("--town", required=True, metavar="AGS", help="the town's 8-digit AGS")
        parser.add_argument("file", type=Path)

    def handle(self, *args, **o):
        town, rows = town_and_rows(o["town"], o["file"])
        with schema_context(town.schema_name):
            report = add_variants(rows, actor="cli:chatbot_add_variants", town=town)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(f"row {error.row}: {error.message}")
            raise CommandError(f"{len(report.errors)} rows with errors; no variant was added.")
        self.stdout.write(f"{town.name}: {report.added} variants added, {report.already_known} already known")
