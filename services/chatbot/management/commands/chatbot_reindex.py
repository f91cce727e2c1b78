from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_tenants.utils import schema_context

from services.chatbot.indexing import reindex
from services.chatbot.models import Entry
from tenants.models import Town


class Command(BaseCommand):
    help = ("Recompute every search column of a town's knowledge base (after a change to how entries are "
            "embedded); entries in the recycle bin included, similar-entry flags kept.")

    def add_arguments(self, parser):
        parser.add_argument("--town", required=True, metavar="AGS")

    def handle(self, *args, **o):
        town = Town.objects.filter(ags=o["town"]).first()
        if town is None:
            raise CommandError(f"No town with AGS {o['town']}")
        with schema_context(town.schema_name), transaction.atomic():
            ids = list(Entry.all_objects.values_list("pk", flat=True))
            reindex(ids, find_duplicates=False)
        self.stdout.write(f"{len(ids)} entries re-indexed")
