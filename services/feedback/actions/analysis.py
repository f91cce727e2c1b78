"""Analyse a project: duplicates, spam, topics, sentiment — suggestions only, decisions untouched.

The computing runs outside any transaction and reports its progress on the ``AnalysisRun`` row
(the page polls it); the results are written in one transaction at the end, so a failed run
leaves the previous results as they were. Topics nobody shaped are replaced on every run
(like CONSUL); topics a person shaped stay, and the contributions a person placed stay in them.
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.metering import record_usage
from core.audit.log import log_action
from core.tasks import registered_task
from services.feedback import embedding
from services.feedback.actions.importing import embed_missing
from services.feedback.analysis import duplicates, sentiment, spam, topics
from services.feedback.analysis import text as textlib
from services.feedback.models import AnalysisRun, Contribution, Project, Topic, UsageRecord
from services.feedback.service import CONTRIBUTION_ANALYSED, DESCRIPTOR

OTHER_LABEL = "Sonstiges / nicht zuzuordnen"
MODEL_NAME = f"{embedding.MODEL_NAME} for topics, sentiment and duplicates"


def request_analysis(project: Project, *, actor, town, topics_wanted: int | None = None,
                     send: bool = True) -> AnalysisRun:
    """Queue a run (the Celery task starts after the commit); one queued or running run per project."""
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=project.pk)
        active = project.runs.filter(status__in=[AnalysisRun.Status.QUEUED, AnalysisRun.Status.RUNNING]).first()
        if active:
            return active
        run = AnalysisRun.objects.create(project=project, requested_topics=topics_wanted or project.fixed_topics,
                                         requested_by=_actor(actor), stage=_("waiting for a worker"))
        log_action("feedback.analysis.requested", actor=actor, town=town, project=project.slug, run=run.pk)
        if send:
            transaction.on_commit(lambda: registered_task("feedback.analyse_project").delay(run.pk))
    return run


def _actor(actor) -> str:
    from core.audit.log import actor_name

    return actor_name(actor)


class _Progress:
    def __init__(self, run: AnalysisRun, report=None):
        self.run, self.report, self.last = run, report, 0.0

    def __call__(self, percent: int, stage: str, force: bool = False) -> None:
        now = time.monotonic()
        if self.report:
            self.report(percent, stage)
        if force or now - self.last > 0.5:
            self.last = now
            AnalysisRun.objects.filter(pk=self.run.pk).update(progress=percent, stage=stage[:120])


def run_analysis(run: AnalysisRun, *, town, report=None) -> AnalysisRun:
    """Carry out a queued run; ``report(percent, stage)`` mirrors the progress (the command's terminal)."""
    if run.status == AnalysisRun.Status.DONE:
        return run  # a retried task after the commit: nothing to do twice
    project = run.project
    AnalysisRun.objects.filter(pk=run.pk).update(status=AnalysisRun.Status.RUNNING, error="")
    progress = _Progress(run, report)
    try:
        _compute_and_store(project, run, town, progress)
    except Exception as error:
        AnalysisRun.objects.filter(pk=run.pk).update(status=AnalysisRun.Status.FAILED, error=str(error)[:2000],
                                                     finished_at=timezone.now())
        raise
    run.refresh_from_db()
    return run


def _compute_and_store(project: Project, run: AnalysisRun, town, progress: _Progress):
    started = time.monotonic()
    progress(2, _("reading contributions"), force=True)
    def embedded(done, total):
        progress(2 + int(12 * done / max(total, 1)), _("embedding %(count)s contributions") % {"count": total})

    embed_missing(project, progress=embedded)
    rows = list(project.contributions.values_list(
        "pk", "lemmas", "normalised", "topic_vector", "text", "title", "topic_decided_id", "sentiment_decided",
        "spam_decided", "submitted_at", "analysed_at"))
    n = len(rows)
    ids = [r[0] for r in rows]
    emb = (np.asarray([r[3] for r in rows], dtype=np.float32).reshape(n, -1) if n
           else np.zeros((0, embedding.TOPIC_DIM), dtype=np.float32))
    docs = [r[1] for r in rows]

    progress(15, _("finding duplicates and campaigns"), force=True)
    dup_groups = duplicates.groups(emb, [r[2] for r in rows])
    duplicate_of: dict[int, int] = {}
    campaign: set[int] = set()
    for group in dup_groups:
        ordered = sorted(group, key=lambda i: (rows[i][9] or timezone.now(), ids[i]))
        for i in ordered[1:]:
            duplicate_of[i] = ids[ordered[0]]
        if len(group) >= duplicates.CAMPAIGN_SIZE:
            campaign.update(group)

    progress(25, _("checking for spam"), force=True)
    spam_reason = [spam.reason(f"{r[5]} {r[4]}".strip()) for r in rows]
    is_spam = [(r[8] if r[8] is not None else bool(spam_reason[i])) for i, r in enumerate(rows)]

    progress(30, _("finding topics"), force=True)
    shaped = {t.pk: t for t in project.topics.filter(shaped_by_person=True, is_other=False)}
    usable = [i for i in range(n) if not is_spam[i]]
    anchors: dict[int, list[int]] = {}
    for i in usable:
        decided = rows[i][6]
        if decided in shaped:
            anchors.setdefault(decided, []).append(i)
    # cluster() works on the usable subset: translate indexes.
    position = {i: p for p, i in enumerate(usable)}
    sub_anchors = {key: [position[i] for i in members] for key, members in anchors.items()}

    def choosing(done, total):
        progress(30 + int(30 * done / max(total, 1)), _("choosing the number of topics (%(done)s/%(total)s)")
                 % {"done": done, "total": total})

    clustering = topics.cluster(emb[usable] if usable else emb[:0], [docs[i] for i in usable],
                                k=run.requested_topics, anchors=sub_anchors, progress=choosing)

    progress(65, _("suggesting sentiments"), force=True)
    decided_rows = list(Contribution.objects.exclude(sentiment_decided="").exclude(topic_vector__isnull=True)
                        .values_list("topic_vector", "sentiment_decided", "title", "text"))
    model = sentiment.train(np.asarray([r[0] for r in decided_rows], dtype=np.float32).reshape(len(decided_rows), -1)
                            if decided_rows else None, [r[1] for r in decided_rows],
                            [textlib.contribution_text(r[2], r[3]) for r in decided_rows])
    labels, confidence = model.predict(emb, [textlib.contribution_text(r[5], r[4]) for r in rows])

    progress(85, _("saving the suggestions"), force=True)
    previous = {pk: set(Contribution.objects.filter(topic_suggested_id=pk).values_list("pk", flat=True))
                for pk in shaped}
    now = timezone.now()
    with transaction.atomic():
        # Exactly-once billing even when two runs overlap: the project row is the lock.
        Project.objects.select_for_update().get(pk=project.pk)
        # Topics nobody shaped go; the run's topics are new rows (or the shaped topics they continue).
        Contribution.objects.filter(project=project).update(topic_suggested=None)
        project.topics.filter(shaped_by_person=False).exclude(
            pk__in=Contribution.objects.filter(project=project, topic_decided__isnull=False)
            .values("topic_decided")).delete()
        used_shaped: set[int] = set(anchors)
        topic_of: dict[int, int] = {}  # contribution pk → suggested topic pk
        for result in clustering.topics:
            members = [ids[usable[p]] for p in result.members]
            topic = shaped.get(result.anchor) if result.anchor else None
            if topic is None:
                topic = _continued(previous, members, used_shaped, shaped)
            if topic is None:
                topic = Topic(project=project)
            topic.label_suggested = result.label[:200]
            topic.keywords = result.keywords
            topic.representative_ids = [ids[usable[p]] for p in result.representatives]
            topic.save()
            topic_of.update(dict.fromkeys(members, topic.pk))
        other = project.topics.filter(is_other=True).first() or Topic(project=project, is_other=True)
        other.label_suggested, other.keywords = OTHER_LABEL, []
        other_members = [ids[usable[p]] for p in clustering.other]
        other.representative_ids = other_members[:3]
        other.save()
        topic_of.update(dict.fromkeys(other_members, other.pk))
        fresh = sum(1 for r in rows if r[10] is None)
        _store_suggestions(ids, {
            "topic_suggested_id": ("bigint", [topic_of.get(pk) for pk in ids]),
            "sentiment_suggested": ("text", labels),
            "sentiment_confidence": ("float8", [round(c, 4) for c in confidence]),
            "duplicate_of_suggested_id": ("bigint", [duplicate_of.get(i) for i in range(n)]),
            "campaign": ("boolean", [i in campaign for i in range(n)]),
            "spam_suggested": ("boolean", [bool(r) for r in spam_reason]),
            "spam_reason": ("text", spam_reason),
            "analysed_at": ("timestamptz", [r[10] or now for r in rows]),
        })
        # Topics a person shaped that lost every member and were not continued stay (empty) for review.
        _meter(town, project, run, fresh, now)
        sizes = Counter(r[6] or topic_of.get(r[0]) for r in rows)
        results = {
            "contributions": n, "topics": len(clustering.topics), "other": len(clustering.other),
            "duplicate_groups": len(dup_groups), "campaign_contributions": len(campaign),
            "spam": sum(1 for r in spam_reason if r), "newly_analysed": fresh,
            "sentiment": dict(Counter(labels)), "largest_topic": max(sizes.values()) if sizes else 0,
            "seconds": round(time.monotonic() - started, 1),
        }
        parameters = {
            "model": MODEL_NAME, "clustering": "k-means over USE embeddings beside an LSA of the lemmas",
            "k": clustering.k, "k_automatic": clustering.chosen_automatically,
            "silhouette": round(clustering.silhouette, 4) if clustering.silhouette is not None else None,
            "k_range": [topics.MIN_TOPICS, topics.MAX_TOPICS], "other_margin": 0.01,
            "features": f"USE + {topics.LSA_WEIGHT:g} × LSA({topics.LSA_DIMENSIONS}) of TF-IDF lemmas",
            "keywords": "class-based TF-IDF over German lemmas (simplemma)",
            "duplicate_threshold": duplicates.THRESHOLD, "campaign_size": duplicates.CAMPAIGN_SIZE,
            "sentiment": "logistic regression over the vectors and character n-grams of seed sentences + town decisions",
            "sentiment_seed_sentences": model.seeds, "sentiment_town_examples": model.town_examples,
            "anchored_topics": len(anchors),
        }
        AnalysisRun.objects.filter(pk=run.pk).update(
            status=AnalysisRun.Status.DONE, progress=100, stage=_("done"), results=results, parameters=parameters,
            finished_at=timezone.now())
        log_action("feedback.analysis.finished", actor=run.requested_by or "system", town=town,
                   project=project.slug, run=run.pk, topics=results["topics"], contributions=n)
    if progress.report:
        progress.report(100, _("done"))
    return results, parameters


def _store_suggestions(ids: list[int], columns: dict[str, tuple[str, list]]) -> None:
    """One UPDATE for all contributions of the run (``bulk_update`` writes a CASE per field and row)."""
    if not ids:
        return
    table = connection.ops.quote_name(Contribution._meta.db_table)
    names = list(columns)
    arrays = ", ".join(f"%s::{kind}[]" for kind, _ in columns.values())
    assignments = ", ".join(f"{connection.ops.quote_name(name)} = v.{connection.ops.quote_name(name)}"
                            for name in names)
    quoted = ", ".join(connection.ops.quote_name(name) for name in names)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} AS c SET {assignments} FROM unnest(%s::bigint[], {arrays}) "
                       f"AS v(id, {quoted}) WHERE c.id = v.id", [ids, *(values for _, values in columns.values())])


def _continued(previous: dict[int, set[int]], members: list[int], used: set[int], shaped: dict) -> Topic | None:
    """The shaped (e.g. renamed) topic that most of these members belonged to, if any is free."""
    best, best_share = None, 0.5
    member_set = set(members)
    for pk, before in previous.items():
        if pk in used or not before:
            continue
        share = len(before & member_set) / min(len(before), len(member_set) or 1)
        if share > best_share:
            best, best_share = pk, share
    if best is None:
        return None
    used.add(best)
    return shaped[best]


def _meter(town, project: Project, run: AnalysisRun, count: int, now) -> None:
    """Each contribution is billed once, on its first analysis (inside the run's transaction)."""
    if not count or town is None:
        return
    key = f"{DESCRIPTOR.key}:{town.schema_name}:{project.pk}:run:{run.pk}"
    UsageRecord.objects.get_or_create(idempotency_key=key, defaults={
        "unit": CONTRIBUTION_ANALYSED, "quantity": count, "occurred_at": now})
    record_usage(town, DESCRIPTOR.key, CONTRIBUTION_ANALYSED, count, key, now, source="feedback")
