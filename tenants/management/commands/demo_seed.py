from pathlib import Path

from django.core.management.base import BaseCommand

from kiverbund.demo.seed import seed


class Command(BaseCommand):
    help = "Create the demo county (idempotent) and write the demo state file."

    def add_arguments(self, parser):
        parser.add_argument("--state", type=Path, required=True, help="where to write demo.json")
        parser.add_argument("--smtp-port", type=int, help="local mail sink for Keycloak; with it, demo logins are set up")

    def handle(self, *args, **options):
        state = seed(options["state"], smtp_port=options["smtp_port"])
        self.stdout.write(f"Demo county: {len(state['towns'])} towns; state in {options['state']}")
