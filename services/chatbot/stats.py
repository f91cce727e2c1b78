"""Analytics without personal data: counters per day, scrubbed unanswered questions."""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from services.chatbot.models import DailyStat, UnansweredQuestion
from services.chatbot.text import scrub_personal_data


def count(**fields: int) -> None:
    today = timezone.localdate()
    DailyStat.objects.get_or_create(day=today)
    DailyStat.objects.filter(day=today).update(**{name: F(name) + n for name, n in fields.items()})


def note_unanswered(question: str) -> None:
    text = scrub_personal_data(question)
    if not text:
        return
    today = timezone.localdate()
    UnansweredQuestion.objects.get_or_create(text=text, defaults={"last_asked": today})
    UnansweredQuestion.objects.filter(text=text).update(count=F("count") + 1, last_asked=today)
