from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from billing.actions import BillingError
from billing.periods import PeriodError, parse_month
from billing.reports.render import FORMATS, render_report
from tenants.models import Town


class Command(BaseCommand):
    help = "Write a town's (or the county's) cost-sharing report for a month as PDF, XLSX, CSV or XRechnung."

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--town", help="AGS of the town")
        who.add_argument("--county", action="store_true", help="all towns")
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--out", required=True, type=Path)

    def handle(self, *args, **o):
        town = None
        if o["town"]:
            town = Town.objects.filter(ags=o["town"]).first()
            if town is None:
                raise CommandError(f"No town with AGS {o['town']}")
        try:
            content, _name = render_report(parse_month(o["period"]), o["format"], town)
        except (BillingError, PeriodError) as exc:
            raise CommandError(str(exc)) from None
        o["out"].parent.mkdir(parents=True, exist_ok=True)
        o["out"].write_bytes(content)
        self.stdout.write(f"{o['out']}: {len(content)} bytes")
