"""The analysis: topics with keywords and an Other bucket, sentiment, duplicates, spam, metering;
a re-run never overwrites a person's decision and learns from the town's corrections."""

import io
import json
from collections import Counter

from django.core.management import call_command
from django_tenants.utils import schema_context

from billing.models import UsageEvent
from services.feedback.actions import review
from services.feedback.actions.analysis import request_analysis, run_analysis
from services.feedback.models import AnalysisRun, Contribution, Decision, Topic


def _by_id(project):
    return {c.external_id: c for c in Contribution.objects.filter(project=project)}


def test_analysis_suggests_topics_sentiment_duplicates_and_spam(analysed_a):
    town, project = analysed_a
    with schema_context(town.schema_name):
        run = AnalysisRun.objects.get(project=project)
        assert run.status == "done" and run.progress == 100
        assert run.parameters["k"] == 4 and not run.parameters["k_automatic"]
        assert "Universal Sentence Encoder" in run.parameters["model"] and "USE" in run.parameters["features"]
        c = _by_id(project)
        topic_of = {k: v.topic_suggested_id for k, v in c.items()}
        # Most cycling contributions share a topic, most playground ones another, most noise ones a third.
        majority = []
        for group in (["r1", "r2", "r3", "r4", "r5", "r7"], ["s1", "s2", "s3", "s5", "s6"], ["l1", "l2", "l3", "l5"]):
            topic, count = Counter(topic_of[i] for i in group).most_common(1)[0]
            assert count >= len(group) * 0.6, group
            majority.append(topic)
        assert len(set(majority)) == 3
        radweg = Topic.objects.get(pk=topic_of["r1"])
        assert any("rad" in k for k in radweg.keywords) and radweg.label_suggested
        assert radweg.representative_ids
        assert Topic.objects.filter(project=project, is_other=True).exists()
        # Campaign copies and near-copies point at the earliest one.
        assert c["c2"].duplicate_of_suggested_id == c["c1"].pk == c["c3"].duplicate_of_suggested_id
        assert c["c1"].campaign and c["c3"].campaign and not c["r1"].campaign
        assert c["x1"].spam_suggested and c["x2"].spam_suggested and not c["r1"].spam_suggested
        assert c["x1"].topic_suggested_id is None  # spam is not clustered
        assert c["l1"].sentiment_suggested == "negative"
        assert c["s4"].sentiment_suggested == "positive"
        assert all(v.sentiment_suggested for v in c.values())
    # Billed once per contribution, on its first analysis only.
    assert UsageEvent.objects.get(town=town, service="feedback").quantity == len(c)
    with schema_context(town.schema_name):
        run_analysis(request_analysis(project, actor="pytest", town=town, send=False), town=town)
    assert UsageEvent.objects.filter(town=town, service="feedback").count() == 1


def test_rerun_keeps_decisions_and_learns_from_them(analysed_a):
    town, project = analysed_a
    with schema_context(town.schema_name):
        c = _by_id(project)
        radweg = Topic.objects.get(pk=c["r1"].topic_suggested_id)
        review.rename_topic(radweg, "Radwege", actor="sachbearbeiterin", town=town)
        noise = Topic.objects.get(pk=c["l1"].topic_suggested_id)
        review.move_contributions([c["r3"]], noise, actor="sachbearbeiterin", town=town)
        review.set_sentiment(c["r5"], "positive", actor="sachbearbeiterin", town=town)
        review.set_sentiment(c["l2"], "negative", actor="sachbearbeiterin", town=town)
        review.set_spam(c["x2"], False, actor="sachbearbeiterin", town=town)
        review.resolve_duplicate(c["c3"], False, actor="sachbearbeiterin", town=town)
        run = request_analysis(project, actor="pytest", town=town, send=False)
        run_analysis(run, town=town)
        after = _by_id(project)
        assert after["r3"].topic_decided_id == noise.pk
        assert after["r5"].sentiment_decided == "positive" and after["r5"].sentiment == "positive"
        assert after["x2"].spam_decided is False and after["x2"].spam is False
        assert after["c3"].duplicate_reviewed and after["c3"].duplicate_of_id_effective is None
        assert after["c3"].duplicate_of_suggested_id == after["c1"].pk  # the suggestion stays beside it
        # The renamed topic continues with its name, holding the cycling contributions again.
        renamed = Topic.objects.get(pk=radweg.pk)
        assert renamed.label == "Radwege" and after["r1"].topic_suggested_id == renamed.pk
        run.refresh_from_db()
        assert run.parameters["sentiment_town_examples"] == 2
        log = list(Decision.objects.filter(project=project).values_list("action", "actor"))
        assert ("feedback.sentiment.corrected", "sachbearbeiterin") in log
        assert ("feedback.topic.renamed", "sachbearbeiterin") in log


def test_merge_and_split_topics(analysed_a):
    town, project = analysed_a
    with schema_context(town.schema_name):
        c = _by_id(project)
        play, noise = Topic.objects.get(pk=c["s1"].topic_suggested_id), Topic.objects.get(pk=c["l1"].topic_suggested_id)
        merged = review.merge_topics(noise, play, actor="sb", town=town)
        assert not Topic.objects.filter(pk=noise.pk).exists()
        assert _by_id(project)["l1"].topic_decided_id == merged.pk
        parts = review.split_topic(merged, actor="sb", town=town)
        assert len(parts) == 2 and all(t.shaped_by_person for t in parts)
        after = _by_id(project)
        assert {after["l1"].topic_decided_id, after["s1"].topic_decided_id} <= {t.pk for t in parts}


def test_commands_analyse_with_progress_and_export(project_a, tmp_path):
    town, project = project_a
    out = io.StringIO()
    call_command("feedback_analyse", "--town", town.ags, "--project", project.slug, "--topics", "4", stdout=out)
    assert "[100%]" in out.getvalue() and "topics" in out.getvalue()
    target = tmp_path / "export.json"
    call_command("feedback_export", "--town", town.ags, "--project", project.slug, "--format", "json",
                 "--out", str(target), stdout=io.StringIO())
    rows = {r["id"]: r for r in json.loads(target.read_text())}
    assert set(rows) == {r["id"] for r in __import__("tests.feedback.conftest", fromlist=["x"]).CONTRIBUTIONS}
    assert rows["c2"]["duplicate_of"] == "c1" and rows["x1"]["spam"] is True
    assert rows["r1"]["topic_label"] and rows["r1"]["sentiment"] in ("positive", "negative", "neutral")
    csv_out = tmp_path / "export.csv"
    call_command("feedback_export", "--town", town.ags, "--project", project.slug, "--format", "csv",
                 "--out", str(csv_out), stdout=io.StringIO())
    text = csv_out.read_text()
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    for fmt in ("xlsx", "geojson"):
        call_command("feedback_export", "--town", town.ags, "--project", project.slug, "--format", fmt,
                     "--out", str(tmp_path / f"e.{fmt}"), stdout=io.StringIO())
    geo = json.loads((tmp_path / "e.geojson").read_text())
    assert geo["features"][0]["geometry"]["coordinates"] == [7.10, 50.73]


def test_contributions_stored_before_topic_vectors_get_them_in_the_next_run(analysed_a):
    """Rows imported before topics had their own vectors: the run computes the missing ones, and the
    topics still follow the subjects."""
    town, project = analysed_a
    with schema_context(town.schema_name):
        Contribution.objects.filter(project=project).update(topic_vector=None)
        run_analysis(request_analysis(project, actor="pytest", town=town, topics_wanted=4, send=False), town=town)
        c = _by_id(project)
        assert all(len(v.topic_vector) == 512 for v in c.values())
        cycling = Counter(c[i].topic_suggested_id for i in ["r1", "r2", "r3", "r4", "r5", "r7"]).most_common(1)[0]
        playground = Counter(c[i].topic_suggested_id for i in ["s1", "s2", "s3", "s5", "s6"]).most_common(1)[0]
        assert cycling[1] >= 4 and playground[1] >= 3 and cycling[0] != playground[0]
