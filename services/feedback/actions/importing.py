"""Import contributions into a project: every row checked first, then all rows or none."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from core.audit.log import log_action
from core.tasks import registered_task
from core.uploads import cell_text
from services.feedback import conf, formats
from services.feedback.analysis import text as textlib
from services.feedback.embedding import embed_topic_vectors
from services.feedback.models import Contribution, Project

KNOWN = {"id", "title", "text", "created_at", "lat", "lon"}


@dataclass
class RowError:
    row: int
    external_id: str
    message: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _coordinate(value, low: float, high: float, label: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(str(value).replace(",", ".")) if not isinstance(value, int | float) else float(value)
    except ValueError:
        raise ValidationError(_("%(field)s is not a number: %(value)s") % {"field": label, "value": value}) from None
    if math.isnan(number) or not low <= number <= high:
        raise ValidationError(_("%(field)s lies outside %(low)s…%(high)s") % {"field": label, "low": low, "high": high})
    return number


def _moment(value) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(12))
    else:
        raw = cell_text(value)
        moment = parse_datetime(raw.replace(" ", "T", 1)) if ("T" in raw or ":" in raw) else None
        if moment is None:
            day = parse_date(raw)
            if day is None:
                try:
                    day = dt.datetime.strptime(raw, "%d.%m.%Y").date()
                except ValueError:
                    raise ValidationError(_("created_at is not a date: %(value)s") % {"value": raw}) from None
            moment = dt.datetime.combine(day, dt.time(12))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _metadata(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def parse_row(row: dict) -> dict:
    problems: list[str] = []
    external_id = cell_text(row.get("id"))
    title = cell_text(row.get("title"))
    body = cell_text(row.get("text"))
    if not external_id:
        problems.append(_("id is missing"))
    elif len(external_id) > 100:
        problems.append(_("id is longer than 100 characters"))
    # A contribution given only a title (forms that make the text optional) is read by its title.
    if not body and not title:
        problems.append(_("text is empty"))
    if len(body) > conf.MAX_TEXT_CHARS:
        problems.append(_("text is longer than %(limit)s characters") % {"limit": conf.MAX_TEXT_CHARS})
    if len(title) > 300:
        problems.append(_("title is longer than 300 characters"))
    values = {}
    for key, parse in (("lat", lambda v: _coordinate(v, -90, 90, "lat")),
                       ("lon", lambda v: _coordinate(v, -180, 180, "lon")), ("submitted_at", None)):
        try:
            values[key] = parse(row.get(key)) if parse else _moment(row.get("created_at"))
        except ValidationError as error:
            problems.extend(error.messages)
    if (values.get("lat") is None) != (values.get("lon") is None):
        problems.append(_("lat and lon must be given together"))
    if problems:
        raise ValidationError(problems)
    metadata = {k: _metadata(v) for k, v in row.items() if k and k not in KNOWN and v not in (None, "")}
    return {"external_id": external_id, "title": title, "text": body or title, "metadata": metadata, **values}


def prepare(contributions: list[Contribution], *, embed: bool = True) -> None:
    """Lemmas, normalised text and (with ``embed``) the contribution's vector, once per contribution text.

    The vector is most of an import's time (about 13 ms of CPU per contribution); copies of one text
    (campaigns) are embedded once.
    """
    joined = [textlib.contribution_text(c.title, c.text) for c in contributions]
    for contribution, text in zip(contributions, joined, strict=True):
        contribution.lemmas = textlib.lemmas(text)
        contribution.normalised = textlib.normalised(text)
        if not embed:
            contribution.topic_vector = None
    if embed and joined:
        distinct = list(dict.fromkeys(joined))
        topic_vectors = dict(zip(distinct, embed_topic_vectors(distinct), strict=True))
        for contribution, text in zip(contributions, joined, strict=True):
            contribution.topic_vector = topic_vectors[text]


def _unembedded(project: Project):
    return project.contributions.filter(topic_vector__isnull=True)


def embed_missing(project: Project, *, batch: int = 256, progress=None) -> int:
    """Embed the project's contributions that have no vector yet, a batch per transaction; the count."""
    done = 0
    total = _unembedded(project).count()
    while True:
        chunk = list(_unembedded(project).order_by("pk")[:batch])
        if not chunk:
            return done
        prepare(chunk)
        Contribution.objects.bulk_update(chunk, ["lemmas", "normalised", "topic_vector"], batch_size=500)
        done += len(chunk)
        if progress:
            progress(done, total)


@transaction.atomic
def import_contributions(project: Project, raw_rows: list[dict], *, actor, town,
                         embed: bool = True) -> ImportReport:
    """Create or update contributions by their file id; if any row fails nothing is written.

    ``embed=False`` stores the rows without their vectors and has a worker compute them after the
    commit (``feedback.embed_contributions``): a web request does not wait for the model.
    """
    report = ImportReport()
    parsed: list[dict] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(raw_rows):
        line = index + 2
        try:
            data = parse_row(row)
        except ValidationError as error:
            report.errors.append(RowError(line, cell_text(row.get("id")), "; ".join(error.messages)))
            continue
        if data["external_id"] in seen:
            report.errors.append(RowError(line, data["external_id"],
                                          _("id also used in row %(row)s") % {"row": seen[data["external_id"]]}))
            continue
        seen[data["external_id"]] = line
        parsed.append(data)
    if not parsed and not report.errors:
        report.errors.append(RowError(1, "", _("The file holds no contributions.")))
    if report.errors:
        return report
    existing = {c.external_id: c for c in project.contributions.filter(external_id__in=list(seen))}
    fresh, changed = [], []
    for data in parsed:
        current = existing.get(data["external_id"])
        if current is None:
            fresh.append(Contribution(project=project, source=Contribution.Source.IMPORT, **data))
            continue
        if all(getattr(current, k) == v for k, v in data.items()):
            report.unchanged += 1
            continue
        for key, value in data.items():
            setattr(current, key, value)
        changed.append(current)
    prepare(fresh + changed, embed=embed)
    Contribution.objects.bulk_create(fresh, batch_size=500)
    Contribution.objects.bulk_update(changed, ["title", "text", "submitted_at", "lat", "lon", "metadata", "lemmas",
                                               "normalised", "topic_vector"], batch_size=500)
    report.created, report.updated = len(fresh), len(changed)
    log_action("feedback.contributions.imported", actor=actor, town=town, project=project.slug,
               created=report.created, updated=report.updated, unchanged=report.unchanged)
    if not embed and (fresh or changed):
        transaction.on_commit(lambda: registered_task("feedback.embed_contributions").delay(project.pk))
    return report


def import_upload(project: Project, upload, *, actor, town) -> ImportReport:
    """A file uploaded through the import page or the API: read within the upload limits (FileFormatError
    when it cannot be), then imported all or nothing; a worker embeds the rows after the commit."""
    return import_contributions(project, formats.read_upload(upload), actor=actor, town=town, embed=False)
