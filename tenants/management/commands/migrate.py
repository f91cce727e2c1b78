"""``manage.py migrate``: public schema, template and every town, skipping what is current.

Targeted runs (``--schema``, an app label, ``--fake``, ``--plan``, ``--check`` …)
go to django-tenants' ``migrate_schemas`` unchanged.
"""

from django.core.management.base import CommandError
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

from tenants.migrating import migrate_all


class Command(MigrateSchemasCommand):
    help = "Apply migrations to the public schema, the town template and all towns, in parallel."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--workers", type=int, default=None, help="Parallel worker processes for town schemas.")

    def handle(self, *args, **options):
        targeted = any(options.get(key) for key in (
            "schema_name", "app_label", "migration_name", "fake", "fake_initial", "plan", "prune",
            "check_unapplied",
        ))
        if targeted or options.get("shared"):
            return super().handle(*args, **options)
        verbosity = int(options.get("verbosity", 1))
        write = self.stdout.write if verbosity else (lambda _msg: None)
        report = migrate_all(workers=options.get("workers"), verbosity=verbosity,
                             include_public=not options.get("tenant"), write=write)
        write(f"{report.checked} schemas checked, {report.skipped} up to date, "
              f"{len(report.migrated)} migrated, {len(report.failed)} failed in {report.seconds:.1f} s")
        if report.failed:
            raise CommandError(
                "Migrations failed for: " + ", ".join(sorted(report.failed))
                + ". Fix the cause and run migrate again: finished schemas are skipped."
            )
