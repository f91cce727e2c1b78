"""The town's own finance page at its host: its statements, downloads, and the multi-year view."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from billing.models import Statement
from billing.settings_defaults import HOURLY_RATE_SOURCE, hourly_rate
from billing.views.charts import bar_chart
from billing.views.county import _file, _month, yearly_totals
from tenants.access import has_town_role
from tenants.models import Role


def _require_finance(request):
    if not has_town_role(request.user, request.tenant, Role.FINANCE, Role.TOWN_ADMIN):
        raise PermissionDenied(_("The cost reports are for the town's finance department and administrators."))


@never_cache
def finance(request):
    _require_finance(request)
    statements = list(Statement.objects.filter(town=request.tenant).select_related("period", "corrects").order_by(
        "-period__month", "-created_at"))
    years = yearly_totals(request.tenant)
    return render(request, "billing/finance/town.html", {
        "statements": statements, "years": years, "hourly_rate": hourly_rate(), "rate_source": HOURLY_RATE_SOURCE,
        "month_chart": bar_chart(_latest_per_month(statements)[-MONTHS_CHARTED:], chart_id="months",
                                 title=_("Share of costs and value of staff time saved, per month")),
        "year_chart": bar_chart([(str(y["year"]), y["total"], y["value"]) for y in years], chart_id="years",
                                title=_("Share of costs and value of staff time saved, per year")),
    })


MONTHS_CHARTED = 24


def _latest_per_month(statements: list[Statement]) -> list[tuple[str, Decimal, Decimal]]:
    """Oldest month first; a corrected month counts with its newest statement (``statements`` newest first)."""
    rows, seen = [], set()
    for statement in statements:
        if statement.period.month not in seen:
            seen.add(statement.period.month)
            rows.append((f"{statement.period.month:%m/%Y}", statement.total, statement.value_of_time))
    return rows[::-1]


@never_cache
def download(request, fmt):
    _require_finance(request)
    return _file(_month(request), fmt, request.tenant)
