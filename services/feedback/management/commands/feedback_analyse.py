from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from services.feedback.actions.analysis import request_analysis, run_analysis
from services.feedback.management.commands._town import town_by_ags
from services.feedback.models import AnalysisRun, Project


class Command(BaseCommand):
    help = ("Analyse a participation project in this process (topics, sentiment, duplicates, spam), showing the "
            "progress. People's decisions are never overwritten.")

    def add_arguments(self, parser):
        parser.add_argument("--town", required=True, metavar="AGS")
        parser.add_argument("--project", required=True, metavar="SLUG")
        parser.add_argument("--topics", type=int, default=None, metavar="N",
                            help="fix the number of topics (default: chosen automatically)")

    def handle(self, *args, **o):
        town = town_by_ags(o["town"])
        if o["topics"] is not None and not 1 <= o["topics"] <= 60:
            raise CommandError("--topics must lie between 1 and 60")
        with schema_context(town.schema_name):
            project = Project.objects.filter(slug=o["project"]).first()
            if project is None:
                raise CommandError(f"No project {o['project']!r} in {town.name}")
            if not project.contributions.exists():
                raise CommandError("The project has no contributions to analyse.")
            run = request_analysis(project, actor="cli:feedback_analyse", town=town, topics_wanted=o["topics"],
                                   send=False)
            if run.status == AnalysisRun.Status.RUNNING:
                raise CommandError("An analysis of this project is running already.")

            def report(percent, stage):
                self.stdout.write(f"\r[{percent:3d}%] {stage:<70}", ending="")
                self.stdout.flush()

            run = run_analysis(run, town=town, report=report)
        self.stdout.write("")
        r = run.results
        self.stdout.write(f"{r['contributions']} contributions: {r['topics']} topics (+{r['other']} in Other), "
                          f"{r['duplicate_groups']} duplicate groups, {r['spam']} likely spam, "
                          f"sentiment {r['sentiment']}, {r['seconds']} s")
