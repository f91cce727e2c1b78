from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from services.roads.actions.grading import grade_town
from services.roads.management.commands._town import town_by_ags
from services.roads.models import Survey


class Command(BaseCommand):
    help = "Match detections to segments and grade every segment (all surveys, or one)."

    def add_arguments(self, parser):
        parser.add_argument("--town", required=True, metavar="AGS", help="the town's 8-digit AGS")
        parser.add_argument("--survey", default="", help="grade only this survey")

    def handle(self, *args, **o):
        town = town_by_ags(o["town"])
        with schema_context(town.schema_name):
            survey = None
            if o["survey"]:
                survey = Survey.objects.filter(name=o["survey"]).first()
                if survey is None:
                    raise CommandError(f"No survey named {o['survey']!r}")
            result = grade_town(actor="cli:roads_grade", town=town, survey=survey)
        self.stdout.write(f"{town.name}: {result['graded_segments']} segment grades in {result['surveys']} surveys")
