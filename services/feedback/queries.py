"""Read-side helpers: effective values, export rows, counts for pages and reports."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Q

from services.feedback import formats
from services.feedback.models import Contribution, Decision, Project, Sentiment, Topic


def topic_map(project: Project) -> dict[int, Topic]:
    return {t.pk: t for t in project.topics.all()}


def export_rows(project: Project) -> list[dict]:
    topics = topic_map(project)
    ids = dict(project.contributions.values_list("pk", "external_id"))
    rows = []
    for c in project.contributions.order_by("pk"):
        topic = topics.get(c.topic_id_effective)
        suggested = topics.get(c.topic_suggested_id)
        rows.append({
            "id": c.external_id, "title": c.title, "text": c.text,
            "created_at": c.submitted_at.isoformat() if c.submitted_at else "",
            "lat": c.lat, "lon": c.lon,
            "topic": topic.pk if topic else "", "topic_label": topic.label if topic else "",
            "topic_suggested": suggested.label if suggested else "",
            "sentiment": c.sentiment, "sentiment_suggested": c.sentiment_suggested,
            "duplicate_of": ids.get(c.duplicate_of_id_effective, ""), "campaign": c.campaign,
            "spam": c.spam, "spam_reason": c.spam_reason, "reviewed": c.reviewed, "source": c.source,
        })
    return rows


@dataclass(frozen=True)
class ExportFile:
    data: bytes
    content_type: str
    filename: str


def export_file(project: Project, fmt: str) -> ExportFile:
    """The export the page, the API and ``feedback_export`` hand out; FileFormatError for an unknown format."""
    formats.check_export_format(fmt)
    return ExportFile(formats.write_rows(export_rows(project), fmt), formats.EXPORT_FORMATS[fmt],
                      f"{project.slug}.{fmt}")


def overview(project: Project) -> list[dict]:
    """Topics with their counts and sentiment split (effective values, spam left out)."""
    counts: dict[int, Counter] = defaultdict(Counter)
    for topic_id, topic_decided, sent_s, sent_d, spam_s, spam_d in project.contributions.values_list(
            "topic_suggested_id", "topic_decided_id", "sentiment_suggested", "sentiment_decided",
            "spam_suggested", "spam_decided"):
        if (spam_s if spam_d is None else spam_d):
            continue
        counts[topic_decided or topic_id][sent_d or sent_s or "none"] += 1
    out = []
    for topic in project.topics.all():
        c = counts.get(topic.pk, Counter())
        total = sum(c.values())
        if not total and not topic.shaped_by_person:
            continue
        out.append({"topic": topic, "count": total, "positive": c["positive"], "negative": c["negative"],
                    "neutral": c["neutral"]})
    out.sort(key=lambda r: (r["topic"].is_other, -r["count"]))
    return out


def review_counts(project: Project) -> dict:
    """How many suggestions people confirmed and corrected (from the decision log)."""
    confirmed = corrected = 0
    latest: dict[tuple, Decision] = {}
    for d in project.decisions.filter(contribution__isnull=False).order_by("created_at", "pk"):
        latest[(d.contribution_id, d.field)] = d
    for d in latest.values():
        if d.after == d.suggested:
            confirmed += 1
        else:
            corrected += 1
    topics_renamed = project.topics.exclude(label_decided="").count()
    return {"confirmed": confirmed, "corrected": corrected, "topics_named": topics_renamed,
            "reviewed_contributions": project.contributions.filter(reviewed_at__isnull=False).count()}


def filtered(project: Project, params) -> QuerySet[Contribution]:  # noqa: F821
    """The contribution list's whitelisted filters: topic, sentiment, spam, duplicates, reviewed, q."""
    qs = project.contributions.all()
    topic = params.get("topic")
    if topic and topic.isdigit():
        qs = qs.filter(Q(topic_decided_id=int(topic)) | Q(topic_decided__isnull=True, topic_suggested_id=int(topic)))
    sentiment = params.get("sentiment")
    if sentiment in ("positive", "negative", "neutral"):
        qs = qs.filter(Q(sentiment_decided=sentiment) | Q(sentiment_decided="", sentiment_suggested=sentiment))
    spam = params.get("spam")
    if spam == "yes":
        qs = qs.filter(Q(spam_decided=True) | Q(spam_decided__isnull=True, spam_suggested=True))
    elif spam == "no":
        qs = qs.filter(Q(spam_decided=False) | Q(spam_decided__isnull=True, spam_suggested=False))
    if params.get("duplicates") == "yes":
        qs = qs.filter(Q(duplicate_reviewed=False, duplicate_of_suggested__isnull=False)
                       | Q(duplicate_reviewed=True, duplicate_of_decided__isnull=False))
    reviewed = params.get("reviewed")
    if reviewed == "yes":
        qs = qs.filter(reviewed_at__isnull=False)
    elif reviewed == "no":
        qs = qs.filter(reviewed_at__isnull=True)
    q = (params.get("q") or "").strip()
    if q:
        vector = SearchVector("title", "text", config="german")
        qs = qs.annotate(search=vector).filter(Q(search=SearchQuery(q, config="german", search_type="websearch"))
                                               | Q(text__icontains=q) | Q(external_id=q))
    return qs.select_related("duplicate_of_suggested").order_by("pk")


def timeline(project: Project) -> list[dict]:
    """Contributions per day (by submission date), with the negative share."""
    days: dict = defaultdict(Counter)
    for moment, sent_s, sent_d in project.contributions.filter(submitted_at__isnull=False).values_list(
            "submitted_at", "sentiment_suggested", "sentiment_decided"):
        days[moment.date()][sent_d or sent_s or "none"] += 1
    return [{"day": day, "count": sum(c.values()), "negative": c["negative"], "positive": c["positive"]}
            for day, c in sorted(days.items())]


def located(project: Project) -> list[dict]:
    topics = topic_map(project)
    out = []
    for c in project.contributions.filter(lat__isnull=False, lon__isnull=False):
        topic = topics.get(c.topic_id_effective)
        out.append({"id": c.external_id, "lat": c.lat, "lon": c.lon, "text": c.text[:200],
                    "topic": topic.label if topic else "", "topic_id": topic.pk if topic else None,
                    "sentiment": c.sentiment,
                    "sentiment_label": str(Sentiment(c.sentiment).label) if c.sentiment else ""})
    return out
