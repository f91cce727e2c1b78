"""Citizen-facing actions: ask, rate, escalate, read a conversation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core import embedding
from services.chatbot import generative, metering, public_config, stats
from services.chatbot.models import Case, ChatbotSettings, Conversation, Entry, Message
from services.chatbot.retrieval import search
from services.chatbot.sensitive import matching_topic

# Below this calibrated confidence the machine does not answer by itself (a lead of about 0.2 over the
# runner-up). Chosen with the calibration (retrieval.py) on the questions about even-numbered entries:
# the threshold with the highest precision of answered questions among those answering at least a tenth.
ANSWER_THRESHOLD = 0.325
# ... but offers "Did you mean …?" when the question is ambiguous rather than unknown: either the best
# entry is plausibly related (a fused score of at least 0.3), or
# several entries contain the question's own words and score alike (within half of the best).
SUGGEST_MIN_SCORE = 0.30
SUGGEST_SHARE = 0.5
SUGGEST_FLOOR = 0.04
SUGGESTIONS = 3


class Outcome:
    ANSWERED = "answered"
    SUGGESTED = "suggested"  # "Did you mean …?": candidates to pick from, and a person
    DONT_KNOW = "dont_know"
    ESCALATED = "escalated"  # a sensitive topic: handed to a person


def human_label() -> str:
    return _("Talk to a person")


@dataclass
class Reply:
    conversation: Conversation
    message: Message
    answered: bool
    escalated: bool
    confidence: float
    sources: list[dict] = field(default_factory=list)
    suggestions: list[dict] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if self.answered:
            return Outcome.ANSWERED
        if self.escalated:
            return Outcome.ESCALATED
        return Outcome.SUGGESTED if self.suggestions else Outcome.DONT_KNOW


def access_conversation(token) -> Conversation:
    """The conversation with this token; one 404 for malformed and unknown tokens alike."""
    try:
        return Conversation.objects.get(token=uuid.UUID(str(token)))
    except (ValueError, Conversation.DoesNotExist):
        raise Http404("No such conversation") from None


def access_message(conversation: Conversation, message_id) -> Message:
    try:
        return conversation.messages.get(pk=int(message_id))
    except (ValueError, TypeError, Message.DoesNotExist):
        raise Http404("No such message") from None


def _source(entry: Entry, score: float) -> dict:
    return {"external_id": entry.external_id, "question": entry.question, "link": entry.link,
            "source": entry.source, "score": round(score, 4)}


def suggestions(hits) -> list[Entry]:
    """The "Did you mean …?" candidates among the hits of an unanswered question (never sensitive entries)."""
    if not hits:
        return []
    floor = max(SUGGEST_FLOOR, SUGGEST_SHARE * hits[0].score)
    close = [h for h in hits if h.score >= floor and not h.entry.sensitive]
    if hits[0].score >= SUGGEST_MIN_SCORE:
        return [h.entry for h in close][:SUGGESTIONS]
    worded = [h for h in close if h.fts > 0]
    return [h.entry for h in worded][:SUGGESTIONS] if len(worded) >= 2 else []


def _open_case(conversation: Conversation, question: str, reason: str, **counters: int) -> Case:
    case = Case.objects.create(conversation=conversation, question=question, reason=reason)
    stats.count(escalations=1, **counters)
    _notify_inbox(case)
    return case


def _notify_inbox(case: Case) -> None:
    address = ChatbotSettings.current().inbox_email
    if address:
        transaction.on_commit(lambda: send_mail(
            _("New citizen question in the chatbot inbox"),
            _("A citizen asked: %(question)s") % {"question": case.question},
            settings.DEFAULT_FROM_EMAIL, [address], fail_silently=True))


def ask(question: str, *, town, token=None, language: str = "de") -> Reply:
    """Answer from the knowledge base, or say honestly that the machine does not know and offer a person.

    Everything is read (and, in generative mode, worded by the town's language model)
    before anything is written, so no transaction waits on retrieval or a model; the
    writes then happen in one transaction. The question is embedded on every core, not
    beside the database work: on two cores that work would only compete with it.
    """
    conversation = access_conversation(token) if token else None
    topic = matching_topic(question)
    config = ChatbotSettings.current() if public_config.current().generative else None
    result = search(question, vector=embedding.embed_query(question.strip()[:1000])) if topic is None else None
    top = [(h.entry, h.score) for h in result.hits[:3]] if result else []
    candidates = suggestions(result.hits) if result else []
    sources = [_source(entry, score) for entry, score in top]
    confidence = result.confidence if result else 0.0
    best = top[0][0] if top else None
    sensitive = topic is not None or (best is not None and best.sensitive and confidence >= ANSWER_THRESHOLD)
    wording = None
    if config is not None and not sensitive and best is not None and confidence >= ANSWER_THRESHOLD:
        numbered = [(number, entry) for number, (entry, _score) in enumerate(top, start=1) if not entry.sensitive]
        wording = generative.rephrase(question, numbered, config=config, town_name=town.name, language=language)
    with transaction.atomic():
        if conversation is None:
            conversation = Conversation.objects.create(language=language)
        else:
            Conversation.objects.filter(pk=conversation.pk).update(last_activity=timezone.now())
        asked = Message.objects.create(conversation=conversation, kind=Message.Kind.QUESTION, text=question)
        return _record_reply(question, asked, town=town, conversation=conversation, topic=topic,
                             sensitive=sensitive, best=best, confidence=confidence, sources=sources,
                             wording=wording, candidates=candidates)


def _record_reply(question: str, asked: Message, *, town, conversation, topic, sensitive, best, confidence,
                  sources, wording, candidates) -> Reply:
    if sensitive:
        text = (topic.message if topic and topic.message else
                _("This is a topic on which a person from the town administration should advise you. "
                  "Your question has been passed on; you can leave your e-mail address so that we can reply."))
        reply = Message.objects.create(conversation=conversation, kind=Message.Kind.ESCALATED, text=text,
                                       in_reply_to=asked, confidence=confidence)
        _open_case(conversation, question, "sensitive", questions=1)
        stats.note_unanswered(question)
        return Reply(conversation, reply, answered=False, escalated=True, confidence=confidence)

    if (best is None or confidence < ANSWER_THRESHOLD) and candidates:
        offered = [{"external_id": entry.external_id, "question": entry.question} for entry in candidates]
        reply = Message.objects.create(conversation=conversation, kind=Message.Kind.SUGGESTED,
                                       text=_("Did you mean one of these questions?"), in_reply_to=asked,
                                       confidence=confidence, sources=offered)
        stats.count(questions=1, suggested=1)
        stats.note_suggested(question)
        return Reply(conversation, reply, answered=False, escalated=False, confidence=confidence,
                     suggestions=offered)

    if best is None or confidence < ANSWER_THRESHOLD:
        text = _("I am sorry, I cannot answer this question reliably. Would you like to talk to a person?")
        reply = Message.objects.create(conversation=conversation, kind=Message.Kind.DONT_KNOW, text=text,
                                       in_reply_to=asked, confidence=confidence, sources=sources)
        stats.count(questions=1)
        stats.note_unanswered(question)
        return Reply(conversation, reply, answered=False, escalated=False, confidence=confidence, sources=sources)

    if wording is not None:
        sources = [{**source, "cited": number in wording.cited} for number, source in enumerate(sources, start=1)]
    reply = Message.objects.create(conversation=conversation, kind=Message.Kind.ANSWER,
                                   text=wording.html if wording else best.answer, generated=wording is not None,
                                   in_reply_to=asked, entry=best, confidence=confidence, sources=sources)
    stats.count(questions=1, answered=1)
    metering.report_answered(town, conversation.pk, reply.pk, reply.created_at)
    return Reply(conversation, reply, answered=True, escalated=False, confidence=confidence, sources=sources)


def pick(token, message_id, external_id: str, *, town) -> Reply:
    """The citizen chose one of the "Did you mean …?" candidates: the entry's answer, counted as feedback.

    Picking again from the same offer answers again but counts once.
    """
    conversation = access_conversation(token)
    offer = access_message(conversation, message_id)
    offered = {item["external_id"] for item in offer.sources} if offer.kind == Message.Kind.SUGGESTED else set()
    if external_id not in offered:
        raise Http404("This entry was not offered")
    try:
        entry = Entry.objects.get(external_id=external_id, sensitive=False)
    except Entry.DoesNotExist:
        raise Http404("No such entry") from None
    asked = offer.in_reply_to
    with transaction.atomic():
        first = not any(item.get("picked") for item in offer.sources)
        offer.sources = [{**item, "picked": item.get("picked") or item["external_id"] == external_id}
                         for item in offer.sources]
        offer.save(update_fields=["sources"])
        source = _source(entry, 0.0)
        reply = Message.objects.create(conversation=conversation, kind=Message.Kind.ANSWER, text=entry.answer,
                                       in_reply_to=asked, entry=entry, confidence=offer.confidence,
                                       sources=[source])
        Conversation.objects.filter(pk=conversation.pk).update(last_activity=timezone.now())
        if first:
            stats.count(picked=1, answered=1)
            if asked is not None:
                stats.note_suggested(asked.text, picked=entry)
            metering.report_answered(town, conversation.pk, reply.pk, reply.created_at)
    return Reply(conversation, reply, answered=True, escalated=False, confidence=offer.confidence or 0.0,
                 sources=[source])


@transaction.atomic
def rate_answer(token, message_id, helpful: bool) -> Message:
    """A citizen's thumbs up or down; rating again changes the vote, it does not add one."""
    message = access_message(access_conversation(token), message_id)
    if message.kind != Message.Kind.ANSWER:
        raise Http404("Only answers can be rated")
    value = 1 if helpful else -1
    if message.rating != value:
        undo = {"helpful": -1} if message.rating == 1 else {"not_helpful": -1} if message.rating == -1 else {}
        stats.count(**undo, **({"helpful": 1} if helpful else {"not_helpful": 1}))
        message.rating = value
        message.save(update_fields=["rating"])
    return message


@transaction.atomic
def escalate(token, *, message_id=None, question: str = "", contact_email: str = "", consent: bool = False) -> Case:
    """The citizen asks for a person. Contact details are kept only with explicit consent."""
    conversation = access_conversation(token)
    if message_id is not None:
        message = access_message(conversation, message_id)
        asked = message if message.kind == Message.Kind.QUESTION else message.in_reply_to
        question = question or (asked.text if asked else "")
    if not question:
        last = conversation.messages.filter(kind=Message.Kind.QUESTION).last()
        question = last.text if last else ""
    if not question:
        raise ValueError(_("There is no question to pass on."))
    open_case = conversation.cases.filter(status=Case.Status.OPEN, question=question).first()
    case = open_case or _open_case(conversation, question, "citizen")
    if consent and contact_email:
        case.contact_email, case.contact_consent = contact_email, True
        case.save(update_fields=["contact_email", "contact_consent"])
    Message.objects.create(conversation=conversation, kind=Message.Kind.ESCALATED,
                           text=_("Your question has been passed on to the town administration."))
    Conversation.objects.filter(pk=conversation.pk).update(last_activity=timezone.now())
    return case
