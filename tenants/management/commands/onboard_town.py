import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from tenants.actions import TownData, TownError, onboard_town


class Command(BaseCommand):
    help = "Onboard one town: create its schema, host and audit entry. Running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--ags", required=True, help="Amtlicher Gemeindeschlüssel, 8 digits")
        parser.add_argument("--name", required=True)
        parser.add_argument("--population", required=True, type=int)
        parser.add_argument("--population-date", type=dt.date.fromisoformat, help="YYYY-MM-DD (default: 31 Dec of last year)")
        parser.add_argument("--kreis", help="5-digit Kreis key the AGS must belong to")
        parser.add_argument("--kreis-name", default="")
        parser.add_argument("--land", help="Land key (01-16) or name the AGS must belong to")
        parser.add_argument("--leitweg-id", default="")
        parser.add_argument("--contact-name", default="")
        parser.add_argument("--contact-email", default="")
        parser.add_argument("--slug", help="host name label (default: from the name)")
        parser.add_argument("--activate", action="store_true", help="set the town active right away")

    def handle(self, *args, **o):
        data = TownData(
            ags=o["ags"], name=o["name"], population=o["population"], population_date=o["population_date"],
            kreis=o["kreis"], kreis_name=o["kreis_name"], land=o["land"], leitweg_id=o["leitweg_id"],
            contact_name=o["contact_name"], contact_email=o["contact_email"], slug=o["slug"],
        )
        try:
            town, created = onboard_town(data, actor="cli:onboard_town", activate=o["activate"])
        except TownError as exc:
            raise CommandError(str(exc)) from None
        verb = "onboarded" if created else "already onboarded"
        self.stdout.write(f"{town.name} ({town.ags}) {verb}: {town.url} [schema {town.schema_name}, {town.status}]")
