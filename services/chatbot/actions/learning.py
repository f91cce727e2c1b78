"""The knowledge base learns from use: citizens' wordings become question variants, near-identical entries merge.

Real towns do not get better models; they get better knowledge bases. Staff turn a
citizen's question (from the inbox, the analytics lists of unanswered and "Did you
mean …?" questions, or a low-rated answer) into a question variant of the right
entry; the variant is embedded at once, so the same wording is answered directly
from the next question on. Entries found near-identical on import or edit
(``duplicates``) merge in one action, keeping every variant and both ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit.log import log_action
from services.chatbot import indexing
from services.chatbot.models import Case, Entry, EntryAlias, Message, Phrasing
from services.chatbot.text import normalise

MAX_VARIANT_CHARS = 1000


class VariantError(ValueError):
    """A variant that cannot be added; the message says why."""


def access_entry_by_external_id(external_id: str) -> Entry:
    """The entry with this id, or the entry it was merged into; one 404 for unknown ids."""
    external_id = (external_id or "").strip()
    entry = Entry.objects.filter(external_id=external_id).first()
    if entry is None:
        alias = EntryAlias.objects.select_related("entry").filter(external_id=external_id).first()
        entry = alias.entry if alias else None
    if entry is None:
        raise Http404(_("There is no entry with the id %(id)s.") % {"id": external_id})
    return entry


def _clean(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise VariantError(_("The question is empty."))
    if len(text) > MAX_VARIANT_CHARS:
        raise VariantError(_("The question is longer than %(limit)s characters.") % {"limit": MAX_VARIANT_CHARS})
    if "\x00" in text:
        raise VariantError(_("The question contains a NUL character."))
    return text


def _new_phrasing(entry: Entry, text: str, known: set[str]) -> Phrasing | None:
    key = normalise(text)
    if key in known:
        return None
    known.add(key)
    return Phrasing(entry=entry, text=text, is_primary=False, origin=Phrasing.Origin.CITIZEN,
                    added_at=timezone.now())


@transaction.atomic
def add_variant(entry: Entry, text: str, *, actor, town) -> bool:
    """Add ``text`` as a question variant of ``entry``, embedded at once; False if the entry already has it."""
    text = _clean(text)
    known = {normalise(p.text) for p in entry.phrasings.all()}
    phrasing = _new_phrasing(entry, text, known)
    if phrasing is None:
        return False
    phrasing.save()
    indexing.reindex([entry.pk], find_duplicates=False, passages=False)
    log_action("chatbot.kb.variant_added", actor=actor, town=town, external_id=entry.external_id,
               variant=text[:200])
    return True


@dataclass
class VariantRowError:
    row: int
    message: str


@dataclass
class VariantReport:
    added: int = 0
    already_known: int = 0
    errors: list[VariantRowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@transaction.atomic
def add_variants(rows: list[dict], *, actor, town) -> VariantReport:
    """Rows with ``question`` and ``faq_id`` (the entry's external id): all added or none, every bad row reported."""
    report = VariantReport()
    wanted: list[tuple[Entry, str]] = []
    entries: dict[str, Entry | None] = {}
    for index, row in enumerate(rows):
        line = index + 2  # the header is row 1
        external_id = str(row.get("faq_id") or row.get("id") or "").strip()
        try:
            text = _clean(str(row.get("question") or ""))
        except VariantError as error:
            report.errors.append(VariantRowError(line, str(error)))
            continue
        if not external_id:
            report.errors.append(VariantRowError(line, _("faq_id is missing")))
            continue
        if external_id not in entries:
            try:
                entries[external_id] = access_entry_by_external_id(external_id)
            except Http404:
                entries[external_id] = None
        if entries[external_id] is None:
            report.errors.append(VariantRowError(line, _("There is no entry with the id %(id)s.")
                                                 % {"id": external_id}))
            continue
        wanted.append((entries[external_id], text))
    if report.errors:
        return report
    known: dict[int, set[str]] = {}
    for phrasing in Phrasing.objects.filter(entry__in={entry.pk for entry, _text in wanted}).only("entry_id", "text"):
        known.setdefault(phrasing.entry_id, set()).add(normalise(phrasing.text))
    fresh = []
    for entry, text in wanted:
        phrasing = _new_phrasing(entry, text, known.setdefault(entry.pk, set()))
        if phrasing is None:
            report.already_known += 1
        else:
            fresh.append(phrasing)
    Phrasing.objects.bulk_create(fresh)
    report.added = len(fresh)
    indexing.reindex(sorted({p.entry_id for p in fresh}), find_duplicates=False, passages=False)
    log_action("chatbot.kb.variants_added", actor=actor, town=town, added=report.added,
               already_known=report.already_known)
    return report


@transaction.atomic
def merge_entries(keep: Entry, other: Entry, *, actor, town) -> Entry:
    """``other`` joins ``keep``: its question and variants become variants, its ids aliases; then it is gone."""
    if keep.pk == other.pk:
        raise VariantError(_("An entry cannot be merged with itself."))
    known = {normalise(p.text) for p in keep.phrasings.all()}
    for phrasing in other.phrasings.all():
        if normalise(phrasing.text) in known:
            continue
        known.add(normalise(phrasing.text))
        # Re-pointed, not copied: the embedding computed for it stays valid. A citizen's question stays one.
        origin = Phrasing.Origin.CITIZEN if phrasing.origin == Phrasing.Origin.CITIZEN else Phrasing.Origin.MERGED
        Phrasing.objects.filter(pk=phrasing.pk).update(entry=keep, is_primary=False, origin=origin)
    EntryAlias.objects.filter(entry=other).update(entry=keep)
    EntryAlias.objects.create(external_id=other.external_id, entry=keep)
    Message.objects.filter(entry=other).update(entry=keep)
    Case.objects.filter(entry=other).update(entry=keep)
    Entry.objects.filter(similar_to=other).update(similar_to=None, similarity=None)
    merged_id = other.external_id
    other.delete()
    keep.similar_to, keep.similarity = None, None
    keep.save(update_fields=["similar_to", "similarity", "updated_at"])
    indexing.reindex([keep.pk], passages=False)
    log_action("chatbot.kb.entries_merged", actor=actor, town=town, external_id=keep.external_id,
               merged=merged_id)
    return keep


@transaction.atomic
def dismiss_similarity(entry: Entry, *, actor, town) -> None:
    """Staff say the two entries are different after all: the flag goes and is not raised again for this pair."""
    other = entry.similar_to
    entry.similarity_dismissed = True
    entry.save(update_fields=["similarity_dismissed"])
    log_action("chatbot.kb.similarity_dismissed", actor=actor, town=town, external_id=entry.external_id,
               resembles=other.external_id if other else "")
