"""Conversation logs are deleted after the retention period; statistics and open cases stay."""

import datetime as dt

from django.utils import timezone
from django_tenants.utils import schema_context

from services.chatbot.actions import chat
from services.chatbot.models import Case, ChatbotSettings, Conversation, DailyStat, Message
from services.chatbot.tasks import purge_expired_conversations


def _age(conversation, days):
    Conversation.objects.filter(pk=conversation.pk).update(last_activity=timezone.now() - dt.timedelta(days=days))


def test_retention_task_deletes_old_conversations(town_faq):
    with schema_context(town_faq.schema_name):
        old = chat.ask("Muss ich meinen Hund anmelden?", town=town_faq).conversation
        recent = chat.ask("Wann wird der Sperrmüll abgeholt?", town=town_faq).conversation
        waiting = chat.ask("Gibt es einen Bürgerbus?", town=town_faq).conversation
        chat.escalate(waiting.token)
        _age(old, 91)
        _age(recent, 89)
        _age(waiting, 200)
        assert purge_expired_conversations.apply().get() == 1
        assert set(Conversation.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
        assert not Message.objects.filter(conversation_id=old.pk).exists()
        assert DailyStat.objects.get().questions == 3  # statistics outlive the logs
        # Once the case is closed, its conversation goes too; the period is configurable.
        Case.objects.update(status=Case.Status.CLOSED)
        settings = ChatbotSettings.current()
        settings.retention_days = 30
        settings.save()
        _age(recent, 31)
        assert purge_expired_conversations.apply().get() == 2
        assert not Conversation.objects.exists()
