"""German number and date formats for the human-readable renderings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal


def euro(amount: Decimal) -> str:
    """1234567.5 → '1.234.567,50 €'."""
    text = f"{amount:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{text} €"


def number(value: Decimal, places: int = 0) -> str:
    return f"{value:,.{places}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def date(value: dt.date) -> str:
    return value.strftime("%d.%m.%Y")
