from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from services.roads import conf
from services.roads.actions.network import import_network
from services.roads.management.commands._town import town_by_ags
from services.roads.sources import NetworkFileError


class Command(BaseCommand):
    help = ("Import a town's road network from OpenStreetMap (.osm.pbf, .osm, .osm.gz) or GeoJSON and split it "
            "into segments. Re-importing keeps the segments (and their history) of unchanged roads.")

    def add_arguments(self, parser):
        parser.add_argument("--town", required=True, metavar="AGS", help="the town's 8-digit AGS")
        parser.add_argument("--segment-length", type=float, default=conf.SEGMENT_LENGTH_M, metavar="M")
        parser.add_argument("--classes", default=",".join(conf.HIGHWAY_CLASSES),
                            help="highway classes to keep, comma-separated")
        parser.add_argument("file", type=Path)

    def handle(self, *args, **o):
        town = town_by_ags(o["town"])
        path: Path = o["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        classes = [c.strip() for c in o["classes"].split(",") if c.strip()]
        with schema_context(town.schema_name):
            try:
                run = import_network(path.read_bytes(), path.name, actor="cli:roads_import_network", town=town,
                                     classes=classes, segment_length_m=o["segment_length"])
            except NetworkFileError as error:
                raise CommandError(str(error)) from None
        self.stdout.write(f"{town.name}: {run.created} segments created, {run.updated} updated, "
                          f"{run.unchanged} unchanged, {run.retired} retired")
