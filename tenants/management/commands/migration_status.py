from django.core.management.base import BaseCommand, CommandError

from tenants.migrating import migration_status
from tenants.schemas import applied_migrations, expected_migrations


class Command(BaseCommand):
    help = "List, per schema, how many migrations are applied and which are pending."

    def add_arguments(self, parser):
        parser.add_argument("--pending-only", action="store_true", help="Only list schemas with pending migrations.")
        parser.add_argument("--verbose-pending", action="store_true", help="Name each pending migration.")
        parser.add_argument("--check", action="store_true", help="Exit non-zero when anything is pending.")

    def handle(self, *args, **options):
        expected = expected_migrations()
        rows = migration_status()
        pending_total = 0
        self.stdout.write(f"{'schema':<24} {'applied':>8} {'pending':>8}")
        for schema, pending in rows:
            pending_total += bool(pending)
            if options["pending_only"] and not pending:
                continue
            self.stdout.write(f"{schema:<24} {len(expected) - pending:>8} {pending:>8}")
            if pending and options["verbose_pending"]:
                missing = expected - (applied_migrations(schema) if pending < len(expected) else set())
                for app, name in sorted(missing):
                    self.stdout.write(f"    [ ] {app}.{name}")
        self.stdout.write(f"{len(rows)} schemas, {pending_total} with pending migrations")
        if options["check"] and pending_total:
            raise CommandError(f"{pending_total} schema(s) have pending migrations")
