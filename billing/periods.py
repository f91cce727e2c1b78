"""Months as billing periods."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import PlatformError


class PeriodError(PlatformError, ValueError):
    """A period that is not a month written YYYY-MM (a 400 wherever it is named)."""


def parse_month(text: str) -> dt.date:
    """'2026-11' → 2026-11-01."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", (text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise PeriodError(_("Give the period as YYYY-MM, not “%(text)s”.") % {"text": text})
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def month_span(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the month as aware datetimes in the platform's time zone."""
    start = timezone.make_aware(dt.datetime.combine(month, dt.time.min))
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start, timezone.make_aware(dt.datetime.combine(following, dt.time.min))
