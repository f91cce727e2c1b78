"""Staff actions on escalated questions: reply, turn a reply into a knowledge-base entry, close."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit.log import actor_name, log_action
from services.chatbot.actions.knowledge import EntryData, save_entry
from services.chatbot.models import Case, Conversation, Entry, Message


def access_case(case_id) -> Case:
    from django.http import Http404

    try:
        return Case.objects.select_related("conversation").get(pk=int(case_id))
    except (ValueError, TypeError, Case.DoesNotExist):
        raise Http404("No such case") from None


@transaction.atomic
def reply_to_case(case: Case, text: str, *, actor, town) -> Case:
    """The reply appears in the citizen's conversation and, with consent, goes out by e-mail."""
    case.reply, case.replied_by, case.replied_at = text, actor_name(actor), timezone.now()
    case.status = Case.Status.ANSWERED
    case.save(update_fields=["reply", "replied_by", "replied_at", "status"])
    # Tied to the question it answers, so a returning citizen sees the two side by side.
    asked = case.conversation.messages.filter(kind=Message.Kind.QUESTION, text=case.question).last()
    Message.objects.create(conversation=case.conversation, kind=Message.Kind.STAFF, text=text, in_reply_to=asked)
    Conversation.objects.filter(pk=case.conversation_id).update(last_activity=timezone.now())
    if case.contact_consent and case.contact_email:
        subject = _("Reply from %(town)s to your question") % {"town": town.name}
        body = _("You asked: %(question)s\n\nOur reply:\n%(reply)s\n\n— %(town)s") % {
            "question": case.question, "reply": text, "town": town.name}
        address = case.contact_email
        transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address]))
    log_action("chatbot.case.replied", actor=actor, town=town, case_id=case.pk, emailed=case.contact_consent)
    return case


@transaction.atomic
def entry_from_case(case: Case, *, actor, town, question: str = "", answer: str = "") -> Entry:
    """One action: the case's question and reply become a knowledge-base entry (id ``case-<n>``)."""
    entry = save_entry(EntryData(external_id=f"case-{case.pk}", question=question or case.question,
                                 answer=answer or case.reply), actor=actor, town=town)
    case.entry = entry
    case.save(update_fields=["entry"])
    log_action("chatbot.case.turned_into_entry", actor=actor, town=town, case_id=case.pk,
               external_id=entry.external_id)
    return entry


@transaction.atomic
def close_case(case: Case, *, actor, town) -> Case:
    case.status = Case.Status.CLOSED
    case.save(update_fields=["status"])
    log_action("chatbot.case.closed", actor=actor, town=town, case_id=case.pk)
    return case
