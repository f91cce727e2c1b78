"""Knowledge-base actions: validate rows, import a file atomically, save one entry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.audit.log import actor_name, log_action
from core.audit.models import AuditEntry
from core.uploads import cell_text
from services.chatbot import conf, indexing
from services.chatbot.models import Entry, EntryAlias, Phrasing
from services.chatbot.text import plain_text, sanitise_html

TRUE_WORDS = {"1", "true", "ja", "yes", "x", "wahr"}


@dataclass
class EntryData:
    external_id: str
    question: str
    answer: str
    link: str = ""
    source: str = ""
    department: str = ""
    variants: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    sensitive: bool = False


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
    merged: int = 0  # rows whose id now belongs to the entry it was merged into: left as they are
    similar: int = 0  # new or changed entries that resemble another entry (flagged for staff)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _values(row: dict):
    for value in row.values():
        if isinstance(value, list | tuple):
            yield from value
        else:
            yield value


def _list(value, separators: str) -> list[str]:
    if isinstance(value, list | tuple):
        items = [cell_text(v) for v in value]
    else:
        items = [cell_text(value)]
        for sep in separators:
            items = [part for item in items for part in item.split(sep)]
    return [item.strip() for item in items if item and item.strip()]


def _date(value, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationError(_("%(field)s: '%(value)s' is not a date (YYYY-MM-DD or DD.MM.YYYY).")
                          % {"field": label, "value": text})


def parse_row(row: dict) -> EntryData:
    """One file row → EntryData, or ValidationError with every problem of the row."""
    problems: list[str] = []
    external_id = cell_text(row.get("id", row.get("external_id")))
    question = cell_text(row.get("question"))
    answer = sanitise_html(cell_text(row.get("answer")))
    link = cell_text(row.get("link"))
    if any("\x00" in cell_text(value) for value in _values(row)):
        raise ValidationError([_("the row contains NUL characters (a binary or UTF-16 file?)")])
    if not external_id:
        problems.append(_("id is missing"))
    elif len(external_id) > 100:
        problems.append(_("id is longer than 100 characters"))
    if not question:
        problems.append(_("question is missing"))
    if not plain_text(answer):
        problems.append(_("answer is missing"))
    if len(link) > 500:
        problems.append(_("link is longer than 500 characters"))
    elif link:
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            problems.append(_("link is not a web address: %(link)s") % {"link": link})
    dates = {}
    for key, label in (("valid_from", _("valid from")), ("valid_until", _("valid until"))):
        try:
            dates[key] = _date(row.get(key), label)
        except ValidationError as error:
            problems.extend(error.messages)
    if dates.get("valid_from") and dates.get("valid_until") and dates["valid_from"] > dates["valid_until"]:
        problems.append(_("valid until lies before valid from"))
    tags = _list(row.get("tags"), ",")
    if any(len(tag) > 60 for tag in tags):
        problems.append(_("a tag is longer than 60 characters"))
    if problems:
        raise ValidationError(problems)
    return EntryData(
        external_id=external_id, question=question, answer=answer, link=link,
        source=cell_text(row.get("source"))[:200], department=cell_text(row.get("department"))[:200],
        variants=_list(row.get("variants"), "|\n"), tags=tags,
        sensitive=cell_text(row.get("sensitive")).lower() in TRUE_WORDS or row.get("sensitive") is True, **dates,
    )


def _apply(entry: Entry, data: EntryData) -> bool:
    """Copy data onto entry; True if anything changed (the caller saves)."""
    values = {"question": data.question, "answer": data.answer, "answer_text": plain_text(data.answer),
              "link": data.link, "source": data.source, "department": data.department, "tags": data.tags,
              "valid_from": data.valid_from, "valid_until": data.valid_until, "sensitive": data.sensitive}
    changed = any(getattr(entry, k) != v for k, v in values.items())
    for key, value in values.items():
        setattr(entry, key, value)
    return changed


def _set_phrasings(entry: Entry, data: EntryData, *, fresh: bool, keep_added: bool) -> bool:
    """Give the entry the data's question and variants; True if anything changed.

    Phrasings that stay keep their row (their origin and their embedding). With ``keep_added`` (an import)
    the phrasings the knowledge base's file never had stay too: citizens' questions staff added and those
    of entries merged into this one. The editor shows every variant, so what it leaves out goes.
    """
    wanted = {data.question: True}
    for variant in data.variants:
        wanted.setdefault(variant, False)
    kept: dict[str, Phrasing] = {}
    gone: list[int] = []
    for phrasing in ([] if fresh else entry.phrasings.all()):
        if phrasing.text in wanted and phrasing.text not in kept:
            kept[phrasing.text] = phrasing
        elif not (keep_added and phrasing.origin != Phrasing.Origin.KNOWLEDGE_BASE and not phrasing.is_primary):
            gone.append(phrasing.pk)
    moved = [p for text, p in kept.items() if p.is_primary != wanted[text]]
    for phrasing in moved:
        phrasing.is_primary = wanted[phrasing.text]
    new = [Phrasing(entry=entry, text=text, is_primary=primary) for text, primary in wanted.items()
           if text not in kept]
    if gone:
        Phrasing.objects.filter(pk__in=gone).delete()
    if moved:
        Phrasing.objects.bulk_update(moved, ["is_primary"])
    Phrasing.objects.bulk_create(new)
    return bool(gone or moved or new)


def _store(rows: list[EntryData], report: ImportReport, *, keep_added: bool) -> list[int]:
    # The recycle bin too: a row with the id of a deleted entry brings that entry back with the row's content.
    existing = {e.external_id: e for e in Entry.all_objects.filter(external_id__in=[r.external_id for r in rows])
                .prefetch_related("phrasings")}
    touched: list[int] = []
    for data in rows:
        entry = existing.get(data.external_id)
        fresh = entry is None
        if fresh:
            entry = Entry(external_id=data.external_id)
        restored = entry.deleted_at is not None
        if restored:
            entry.deleted_at, entry.deleted_by = None, ""
        changed = _apply(entry, data) or fresh or restored
        if changed:
            entry.save()
        changed = _set_phrasings(entry, data, fresh=fresh, keep_added=keep_added) or changed
        if fresh:
            report.created += 1
        elif changed:
            report.updated += 1
        else:
            report.unchanged += 1
        if changed:
            touched.append(entry.pk)
    return touched


ID_LENGTH = 60


def new_external_id(question: str) -> str:
    """A readable id for a new entry from its question ("wann-hat-das-freibad-geoffnet"), unique among all
    entries, deleted and merged ones included."""
    base = slugify(question)[:ID_LENGTH].strip("-") or "eintrag"
    taken = set(Entry.all_objects.filter(external_id__startswith=base).values_list("external_id", flat=True))
    taken |= set(EntryAlias.objects.filter(external_id__startswith=base).values_list("external_id", flat=True))
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def check_rows(raw_rows: list[dict]) -> tuple[list[EntryData], ImportReport]:
    """Parse every row; the report lists each failing row (file row number, id, problems)."""
    report = ImportReport()
    parsed: list[EntryData] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(raw_rows):
        line = index + 2  # header is row 1
        try:
            data = parse_row(row)
        except ValidationError as error:
            report.errors.append(RowError(line, cell_text(row.get("id")), "; ".join(error.messages)))
            continue
        if data.external_id in seen:
            report.errors.append(RowError(line, data.external_id,
                                          _("id also used in row %(row)s") % {"row": seen[data.external_id]}))
            continue
        seen[data.external_id] = line
        parsed.append(data)
    return parsed, report


@transaction.atomic
def import_entries(raw_rows: list[dict], *, actor, town, import_id: str = "") -> ImportReport:
    """Create or update entries by their file id; all rows or none.

    Every row is checked first; if any row fails, nothing is written and the
    report lists each failing row (file row number, id, problems). ``import_id`` (a
    queued import, ``imports.request_import``) makes the import happen once however
    often it is delivered: the audit entry that names it is written in the same
    transaction as the entries.
    """
    if import_id:
        with connection.cursor() as cursor:  # two deliveries side by side: one waits for the other
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"chatbot-import:{import_id}"])
        done = AuditEntry.objects.filter(action="chatbot.kb.imported", town=town, details__import=import_id).first()
        if done is not None:
            return ImportReport(created=done.details.get("created", 0), updated=done.details.get("updated", 0),
                                unchanged=done.details.get("unchanged", 0))
    parsed, report = check_rows(raw_rows)
    if report.errors:
        return report
    aliases = set(EntryAlias.objects.filter(external_id__in=[data.external_id for data in parsed]).values_list("external_id", flat=True))
    report.merged = len(aliases)
    touched = _store([data for data in parsed if data.external_id not in aliases], report, keep_added=True)
    indexing.reindex(touched)
    report.similar = Entry.objects.filter(pk__in=touched, similar_to__isnull=False,
                                          similarity_dismissed=False).count()
    log_action("chatbot.kb.imported", actor=actor, town=town, created=report.created, updated=report.updated,
               unchanged=report.unchanged, merged=report.merged, similar=report.similar,
               **({"import": import_id} if import_id else {}))
    return report


@transaction.atomic
def save_entry(data: EntryData, *, actor, town, entry: Entry | None = None) -> Entry:
    """Create or edit one entry (the staff form), recomputing its search columns.

    A new entry without an id gets one from its question (``new_external_id``); an edit keeps its id.
    """
    report = ImportReport()
    if entry is not None:
        data.external_id = entry.external_id
    elif not data.external_id:
        data.external_id = new_external_id(data.question)
    touched = _store([data], report, keep_added=False)
    indexing.reindex(touched)
    saved = Entry.objects.get(external_id=data.external_id)
    log_action("chatbot.kb.entry_created" if report.created else "chatbot.kb.entry_updated", actor=actor,
               town=town, external_id=saved.external_id, question=saved.question[:200])
    return saved


@transaction.atomic
def delete_entry(entry: Entry, *, actor, town) -> None:
    """Into the recycle bin: the chatbot stops answering with it at once; restorable for ``conf.TRASH_DAYS``."""
    Entry.all_objects.filter(pk=entry.pk).update(deleted_at=timezone.now(), deleted_by=actor_label(actor),
                                                 similar_to=None, similarity=None)
    # Entries that resembled it resemble nothing now.
    Entry.all_objects.filter(similar_to=entry).update(similar_to=None, similarity=None)
    indexing.refresh_terms()
    log_action("chatbot.kb.entry_deleted", actor=actor, town=town, external_id=entry.external_id,
               question=entry.question[:200])


def actor_label(actor) -> str:
    return actor_name(actor)[:150]


@transaction.atomic
def restore_entry(entry: Entry, *, actor, town) -> Entry:
    Entry.all_objects.filter(pk=entry.pk).update(deleted_at=None, deleted_by="")
    indexing.reindex([entry.pk])
    log_action("chatbot.kb.entry_restored", actor=actor, town=town, external_id=entry.external_id,
               question=entry.question[:200])
    return Entry.objects.get(pk=entry.pk)


def trash_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=conf.TRASH_DAYS)


def purge_until(entry: Entry) -> dt.datetime | None:
    """When an entry in the recycle bin is deleted for good."""
    return entry.deleted_at + dt.timedelta(days=conf.TRASH_DAYS) if entry.deleted_at else None


@transaction.atomic
def purge_deleted_entries(*, town, now: dt.datetime | None = None) -> int:
    """Delete for good what lay in the recycle bin longer than ``conf.TRASH_DAYS`` (the periodic task)."""
    expired = Entry.all_objects.filter(deleted_at__lt=trash_cutoff(now))
    ids = sorted(expired.values_list("external_id", flat=True))
    if not ids:
        return 0
    expired.delete()
    log_action("chatbot.kb.entries_purged", actor="system", town=town, deleted=len(ids), external_ids=ids[:50])
    return len(ids)
