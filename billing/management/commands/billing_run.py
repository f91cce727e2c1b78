from django.core.management.base import BaseCommand, CommandError

from billing.actions import BillingError, correct_period, run_period
from billing.periods import PeriodError, parse_month


class Command(BaseCommand):
    help = "Compute the statements of a month (re-runnable while open); --close makes them final."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--close", action="store_true", help="close the period after the run")
        mode.add_argument("--correct", action="store_true", help="closed period: issue corrections where figures changed")

    def handle(self, *args, **o):
        try:
            month = parse_month(o["period"])
            if o["correct"]:
                made = correct_period(month, actor="cli:billing_run")
                self.stdout.write(f"{len(made)} correction(s) for {month:%Y-%m}.")
                return
            period = run_period(month, actor="cli:billing_run", close=o["close"])
        except (BillingError, PeriodError) as exc:
            raise CommandError(str(exc)) from None
        total = sum(s.total for s in period.statements.all())
        count = period.statements.count()
        self.stdout.write(f"{month:%Y-%m}: {count} statement{'' if count == 1 else 's'}, {total} EUR, {period.status}.")
