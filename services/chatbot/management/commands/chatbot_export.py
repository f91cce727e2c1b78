from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from services.chatbot import formats
from services.chatbot.models import Entry
from tenants.models import Town


class Command(BaseCommand):
    help = "Export a town's chatbot knowledge base; the format follows the file name (.csv, .tsv, .xlsx, .json)."

    def add_arguments(self, parser):
        parser.add_argument("--town", required=True, metavar="AGS")
        parser.add_argument("file", type=Path)

    def handle(self, *args, **o):
        town = Town.objects.filter(ags=o["town"]).first()
        if town is None:
            raise CommandError(f"No town with AGS {o['town']}")
        try:
            fmt = formats.format_of(o["file"].name)
        except formats.FileFormatError as error:
            raise CommandError(str(error)) from None
        with schema_context(town.schema_name):
            entries = list(Entry.objects.prefetch_related("phrasings").order_by("external_id"))
            o["file"].write_bytes(formats.write_rows(entries, fmt))
        self.stdout.write(f"{len(entries)} entries written to {o['file']}")
