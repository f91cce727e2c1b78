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


# Billing periods this platform can have: nothing before it existed, nothing a date type cannot end.
FIRST_YEAR, LAST_YEAR = 2000, 2199


def parse_month(text) -> dt.date:
    """'2026-11' → 2026-11-01; anything else (13th months, year 0, text, other types) raises PeriodError."""
    text = text if isinstance(text, str) else ""
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", text.strip()[:20])
    if not match or not 1 <= int(match.group(2)) <= 12 or not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
        raise PeriodError(_("Give the period as YYYY-MM, not “%(text)s”.") % {"text": text[:20].replace("\x00", "")})
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def month_span(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the month as aware datetimes in the platform's time zone."""
    start = timezone.make_aware(dt.datetime.combine(month, dt.time.min))
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start, timezone.make_aware(dt.datetime.combine(following, dt.time.min))
