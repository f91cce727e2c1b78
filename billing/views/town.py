"""The town's own finance page at its host: its statements, downloads, and the multi-year view."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from billing.models import Statement
from billing.settings_defaults import HOURLY_RATE_SOURCE, hourly_rate
from billing.views.county import _file, _month, yearly_totals
from tenants.access import has_town_role
from tenants.models import Role


def _require_finance(request):
    if not has_town_role(request.user, request.tenant, Role.FINANCE, Role.TOWN_ADMIN):
        raise PermissionDenied(_("The cost reports are for the town's finance department and administrators."))


def finance(request):
    _require_finance(request)
    statements = Statement.objects.filter(town=request.tenant).select_related("period").order_by(
        "-period__month", "-created_at")
    return render(request, "billing/finance/town.html", {
        "statements": statements, "years": yearly_totals(request.tenant), "hourly_rate": hourly_rate(),
        "rate_source": HOURLY_RATE_SOURCE,
    })


def download(request, fmt):
    _require_finance(request)
    return _file(_month(request), fmt, request.tenant)
