from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.importers import import_rows, read_csv, read_gv100ad


class Command(BaseCommand):
    help = ("Onboard many towns from a Destatis GV100AD file (--gv100ad FILE --kreis 5-DIGIT-KREIS) "
            "or a CSV file (--csv FILE). All or nothing: any bad row leaves the database unchanged.")

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--gv100ad", type=Path, help="GV100AD fixed-width file (UTF-8)")
        source.add_argument("--csv", type=Path, help="CSV file with a header row (see docs/operators.md)")
        parser.add_argument("--kreis", help="with --gv100ad: import the towns of this 5-digit Kreis key")
        parser.add_argument("--activate", action="store_true", help="set the imported towns active")

    def handle(self, *args, **o):
        path = o["gv100ad"] or o["csv"]
        if not path.is_file():
            raise CommandError(f"{path}: file not found")
        try:
            if o["gv100ad"]:
                if not o["kreis"]:
                    raise CommandError("--gv100ad needs --kreis (5-digit Kreis key, e.g. 09574)")
                rows, errors, kreis_name = read_gv100ad(path, o["kreis"])
                if kreis_name:
                    self.stdout.write(f"Kreis {o['kreis']}: {kreis_name}, {len(rows)} Gemeinden")
            else:
                rows, errors = read_csv(path)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except (UnicodeDecodeError, OSError) as exc:
            raise CommandError(f"{path}: cannot read: {exc}") from None
        result = import_rows(rows, errors, actor=f"cli:import_towns:{path.name}", activate=o["activate"])
        if not result.ok:
            for _line, message in sorted(result.errors):
                self.stderr.write(message)
            raise CommandError(f"{len(result.errors)} error(s); nothing was imported.")
        for town in result.created:
            self.stdout.write(f"+ {town.ags} {town.name}: {town.url}")
        self.stdout.write(f"{len(result.created)} town(s) onboarded, {len(result.existing)} already there.")
