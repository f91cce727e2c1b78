"""PDF statements (and the county overview) from an HTML template, with German number and date formats."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from billing.reports import formats
from billing.reports.data import StatementData


def render_pdf(statements: list[StatementData], *, title: str, umlage: bool = False) -> bytes:
    from weasyprint import HTML

    with translation.override("de"):
        html = render_to_string("billing/statement.html", {
            "statements": statements, "title": title, "umlage": umlage, "fmt": formats,
            "rows": [_rows(s) for s in statements],
        })
    return HTML(string=html).write_pdf()


def render_overview_pdf(statements: list[StatementData], *, title: str) -> bytes:
    """The county's overview: one line per town (a statement per town is ``render_pdf``)."""
    from decimal import Decimal

    from weasyprint import HTML

    total = sum((s.total for s in statements), Decimal("0.00"))
    value = sum((s.value_of_time for s in statements), Decimal("0.00"))
    with translation.override("de"):
        html = render_to_string("billing/overview.html", {
            "title": title, "rows": [_rows(s) for s in statements], "total": formats.euro(total),
            "value": formats.euro(value), "net": formats.euro(value - total),
        })
    return HTML(string=html).write_pdf()


def _rows(statement: StatementData) -> dict:
    import datetime as dt

    from billing.settings_defaults import legal_remedy, payment_days

    due = statement.issued + dt.timedelta(days=payment_days())
    return {
        "due": formats.date(due),
        "remedy": legal_remedy(),
        "statement": statement,
        "lines": [{"line": line, "pool": formats.euro(line.pool) if line.is_pool_share else "–",
                   "share": formats.euro(line.share),
                   "usage": formats.number(line.usage, 0 if line.usage == line.usage.to_integral() else 2),
                   "value": formats.euro(line.value_of_time)} for line in statement.lines],
        # Each distinct reason once (a service with two lines, two services on one key).
        "reasons": _reasons(statement),
        "total": formats.euro(statement.total),
        "value": formats.euro(statement.value_of_time),
        "net": formats.euro(statement.net_benefit),
        "per_inhabitant": formats.euro(statement.cost_per_inhabitant),
        "alone": formats.euro(statement.alone_total),
        "saving": formats.euro(statement.saving_in_verbund),
        "rate": formats.euro(statement.hourly_rate),
        "period": f"{formats.date(statement.period_start)} – {formats.date(statement.period_end)}",
        "issued": formats.date(statement.issued),
        "population": formats.number(statement.population),
    }


def _reasons(statement: StatementData) -> list[dict]:
    seen, result = set(), []
    for line in statement.lines:
        if (line.service_name, line.key_reason) not in seen:
            seen.add((line.service_name, line.key_reason))
            result.append({"service": line.service_name, "label": line.key_label, "reason": line.key_reason})
    return result
