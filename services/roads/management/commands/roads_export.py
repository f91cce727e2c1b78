from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from services.roads import exports
from services.roads.management.commands._town import town_by_ags


class Command(BaseCommand):
    help = "Export segments or detections as GeoJSON or CSV in EPSG:4326 or EPSG:25832 (opens in QGIS)."

    def add_arguments(self, parser):
        parser.add_argument("--town", required=True, metavar="AGS", help="the town's 8-digit AGS")
        parser.add_argument("--layer", required=True, choices=exports.LAYERS)
        parser.add_argument("--format", required=True, choices=list(exports.FORMATS))
        parser.add_argument("--crs", required=True, type=int, choices=exports.CRS)
        parser.add_argument("--out", required=True, type=Path)

    def handle(self, *args, **o):
        town = town_by_ags(o["town"])
        out: Path = o["out"]
        if not out.parent.is_dir():
            raise CommandError(f"No such directory: {out.parent}")
        with schema_context(town.schema_name):
            text = exports.export(o["layer"], o["format"], o["crs"])
        out.write_text(text, encoding="utf-8")
        self.stdout.write(f"{town.name}: {o['layer']} written to {out}")
