from django.core.management.base import BaseCommand

from catalog.actions import sync_catalogue


class Command(BaseCommand):
    help = "Sync the service catalogue with the installed service apps (migrate does this too)."

    def handle(self, *args, **options):
        changed = sync_catalogue(actor="sync_catalogue")
        self.stdout.write(f"changed: {', '.join(changed) or 'nothing'}")
