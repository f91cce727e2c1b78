from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from services.roads.actions.detections import import_detections
from services.roads.management.commands._town import town_by_ags
from services.roads.vendor import DetectionFileError, read_detections


class Command(BaseCommand):
    help = ("Import a vendor's damage detections (CSV: lat, lon, class, confidence, captured_at, optional id, "
            "heading, image, width_m, drive; or GeoJSON points with these properties). All rows or, if any row has "
            "errors, nothing.")

    def add_arguments(self, parser):
        parser.add_argument("--town", required=True, metavar="AGS", help="the town's 8-digit AGS")
        parser.add_argument("--survey", default="", help="survey name (default: the year of each detection)")
        parser.add_argument("file", type=Path)

    def handle(self, *args, **o):
        town = town_by_ags(o["town"])
        path: Path = o["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            rows, errors = read_detections(path.read_bytes(), path.name)
        except DetectionFileError as error:
            raise CommandError(str(error)) from None
        with schema_context(town.schema_name):
            report = import_detections(rows, errors, actor="cli:roads_import_detections", town=town,
                                       survey_name=o["survey"], filename=path.name)
        if not report.ok:
            for error in report.errors[:50]:
                self.stderr.write(f"row {error.row} (id {error.external_id or '-'}): {error.message}")
            raise CommandError(f"{len(report.errors)} rows with errors; nothing was imported.")
        self.stdout.write(f"{town.name}: {report.created} detections imported, {report.unchanged} already there")
