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

# Below this calibrated confidence the machine says it does not know.
ANSWER_THRESHOLD = 0.5


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
                             wording=wording)


def _record_reply(question: str, asked: Message, *, town, conversation, topic, sensitive, best, confidence,
                  sources, wording) -> Reply:
    if sensitive:
        text = (topic.message if topic and topic.message else
                _("This is a topic on which a person from the town administration should advise you. "
                  "Your question has been passed on; you can leave your e-mail address so that we can reply."))
        reply = Message.objects.create(conversation=conversation, kind=Message.Kind.ESCALATED, text=text,
                                       in_reply_to=asked, confidence=confidence)
        _open_case(conversation, question, "sensitive", questions=1)
        stats.note_unanswered(question)
        return Reply(conversation, reply, answered=False, escalated=True, confidence=confidence)

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
