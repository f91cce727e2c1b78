"""Human review: each function records the person's decision beside the suggestion and logs it.

Decisions live in the ``*_decided`` columns and the ``Decision`` log (town schema); the platform
audit log gets the same action name.
"""

from __future__ import annotations

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit.log import actor_name, log_action
from services.feedback.models import Contribution, Decision, Project, Sentiment, Topic


def _decide(project, *, actor, action, field, contribution=None, topic=None, suggested="", before="", after=""):
    Decision.objects.create(project=project, contribution=contribution, topic=topic, action=action, field=field,
                            suggested=str(suggested or "")[:300], before=str(before or "")[:300],
                            after=str(after or "")[:300], actor=actor_name(actor) or "-")


def _touch(contribution: Contribution, actor) -> None:
    contribution.reviewed_at = timezone.now()
    contribution.reviewed_by = actor_name(actor)[:150]


def _label(topic_id) -> str:
    topic = Topic.objects.filter(pk=topic_id).first() if topic_id else None
    return topic.label if topic else ""


@transaction.atomic
def rename_topic(topic: Topic, label: str, *, actor, town) -> Topic:
    label = label.strip()
    if not label:
        raise ValidationError(_("A topic needs a name."))
    before = topic.label
    topic.label_decided = label[:200]
    topic.shaped_by_person = True
    topic.save(update_fields=["label_decided", "shaped_by_person"])
    _decide(topic.project, actor=actor, action="feedback.topic.renamed", field="topic_label", topic=topic,
            suggested=topic.label_suggested, before=before, after=topic.label_decided)
    log_action("feedback.topic.renamed", actor=actor, town=town, project=topic.project.slug, topic=topic.pk,
               before=before, after=topic.label_decided)
    return topic


def _place(contributions, target: Topic, *, actor, action: str) -> int:
    moved = 0
    for c in contributions:
        before = c.topic_decided_id or c.topic_suggested_id
        c.topic_decided = target
        _touch(c, actor)
        c.save(update_fields=["topic_decided", "reviewed_at", "reviewed_by"])
        _decide(target.project, actor=actor, action=action, field="topic", contribution=c, topic=target,
                suggested=_label(c.topic_suggested_id), before=_label(before), after=target.label)
        moved += 1
    return moved


def _members(topic: Topic):
    return Contribution.objects.filter(project=topic.project).filter(
        topic_decided=topic) | Contribution.objects.filter(project=topic.project, topic_decided__isnull=True,
                                                           topic_suggested=topic)


@transaction.atomic
def merge_topics(source: Topic, target: Topic, *, actor, town) -> Topic:
    """Every contribution of ``source`` goes to ``target``; ``source`` is removed."""
    if source.pk == target.pk or source.project_id != target.project_id:
        raise ValidationError(_("Choose two different topics of the same project."))
    if not target.label_decided:
        target.label_decided = target.label
    target.shaped_by_person = True
    target.save(update_fields=["label_decided", "shaped_by_person"])
    moved = _place(list(_members(source)), target, actor=actor, action="feedback.topic.merged")
    _decide(target.project, actor=actor, action="feedback.topic.merged", field="topic", topic=target,
            before=source.label, after=target.label)
    log_action("feedback.topic.merged", actor=actor, town=town, project=target.project.slug, source=source.label,
               target=target.label, contributions=moved)
    Contribution.objects.filter(topic_suggested=source).update(topic_suggested=None)
    source.delete()
    return target


@transaction.atomic
def split_topic(topic: Topic, *, actor, town, parts: int = 2) -> list[Topic]:
    """Divide a topic into ``parts`` by clustering its members' embeddings; people name the parts."""
    from services.feedback.analysis.topics import cluster

    members = [c for c in _members(topic).order_by("pk") if c.topic_vector is not None]
    if len(members) < parts * 2:
        raise ValidationError(_("This topic has too few contributions to split."))
    result = cluster(np.asarray([c.topic_vector for c in members], dtype=np.float32), [c.lemmas for c in members],
                     k=parts, other_margin=-1)
    created = []
    for number, part in enumerate(result.topics, start=1):
        new = Topic.objects.create(project=topic.project, label_suggested=part.label,
                                   label_decided=f"{topic.label} ({number})", keywords=part.keywords,
                                   shaped_by_person=True,
                                   representative_ids=[members[i].pk for i in part.representatives])
        _place([members[i] for i in part.members], new, actor=actor, action="feedback.topic.split")
        created.append(new)
    _decide(topic.project, actor=actor, action="feedback.topic.split", field="topic", topic=topic,
            before=topic.label, after=" | ".join(t.label for t in created))
    log_action("feedback.topic.split", actor=actor, town=town, project=topic.project.slug, topic=topic.label,
               parts=[t.label for t in created])
    Contribution.objects.filter(topic_suggested=topic).update(topic_suggested=None)
    topic.delete()
    return created


@transaction.atomic
def create_topic(project: Project, label: str, *, actor, town) -> Topic:
    if not label.strip():
        raise ValidationError(_("A topic needs a name."))
    topic = Topic.objects.create(project=project, label_decided=label.strip()[:200], shaped_by_person=True)
    _decide(project, actor=actor, action="feedback.topic.created", field="topic_label", topic=topic,
            after=topic.label_decided)
    log_action("feedback.topic.created", actor=actor, town=town, project=project.slug, topic=topic.label)
    return topic


@transaction.atomic
def move_contributions(contributions: list[Contribution], target: Topic, *, actor, town) -> int:
    if any(c.project_id != target.project_id for c in contributions):
        raise ValidationError(_("The topic belongs to another project."))
    if not target.shaped_by_person:
        target.shaped_by_person = True
        target.save(update_fields=["shaped_by_person"])
    moved = _place(contributions, target, actor=actor, action="feedback.contribution.moved")
    log_action("feedback.contribution.moved", actor=actor, town=town, project=target.project.slug,
               topic=target.label, contributions=[c.external_id for c in contributions])
    return moved


@transaction.atomic
def set_sentiment(contribution: Contribution, value: str, *, actor, town) -> Contribution:
    """Confirm (same as the suggestion) or correct the sentiment."""
    if value not in Sentiment.values:
        raise ValidationError(_("Unknown sentiment %(value)s.") % {"value": value})
    before = contribution.sentiment
    contribution.sentiment_decided = value
    _touch(contribution, actor)
    contribution.save(update_fields=["sentiment_decided", "reviewed_at", "reviewed_by"])
    action = "feedback.sentiment.confirmed" if value == contribution.sentiment_suggested else \
        "feedback.sentiment.corrected"
    _decide(contribution.project, actor=actor, action=action, field="sentiment", contribution=contribution,
            suggested=contribution.sentiment_suggested, before=before, after=value)
    log_action(action, actor=actor, town=town, project=contribution.project.slug,
               contribution=contribution.external_id, suggested=contribution.sentiment_suggested, decided=value)
    return contribution


@transaction.atomic
def resolve_duplicate(contribution: Contribution, is_duplicate: bool, *, actor, town) -> Contribution:
    """Confirm the suggested original (is_duplicate) or declare the contribution not a duplicate."""
    suggested = contribution.duplicate_of_suggested
    before = contribution.duplicate_of_id_effective
    contribution.duplicate_reviewed = True
    contribution.duplicate_of_decided = suggested if is_duplicate else None
    _touch(contribution, actor)
    contribution.save(update_fields=["duplicate_reviewed", "duplicate_of_decided", "reviewed_at", "reviewed_by"])
    ext = dict(Contribution.objects.filter(pk__in=[p for p in (before, suggested and suggested.pk) if p])
               .values_list("pk", "external_id"))
    _decide(contribution.project, actor=actor, action="feedback.duplicate.resolved", field="duplicate_of",
            contribution=contribution, suggested=ext.get(suggested.pk if suggested else None, ""),
            before=ext.get(before, ""), after=ext.get(contribution.duplicate_of_decided_id, ""))
    log_action("feedback.duplicate.resolved", actor=actor, town=town, project=contribution.project.slug,
               contribution=contribution.external_id, duplicate=is_duplicate)
    return contribution


@transaction.atomic
def set_spam(contribution: Contribution, is_spam: bool, *, actor, town) -> Contribution:
    before = contribution.spam
    contribution.spam_decided = is_spam
    _touch(contribution, actor)
    contribution.save(update_fields=["spam_decided", "reviewed_at", "reviewed_by"])
    _decide(contribution.project, actor=actor, action="feedback.spam.decided", field="spam",
            contribution=contribution, suggested="yes" if contribution.spam_suggested else "no",
            before="yes" if before else "no", after="yes" if is_spam else "no")
    log_action("feedback.spam.decided", actor=actor, town=town, project=contribution.project.slug,
               contribution=contribution.external_id, spam=is_spam)
    return contribution
