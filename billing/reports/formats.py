"""German number and date formats for the human-readable renderings (the amounts from ``core.money``)."""

from __future__ import annotations

import datetime as dt

from core.money import euro, number, rate_text

__all__ = ["date", "euro", "number", "rate_text"]


def date(value: dt.date) -> str:
    return value.strftime("%d.%m.%Y")
