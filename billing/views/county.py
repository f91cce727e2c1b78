"""Finance pages on the console host: county IT and county finance see and run every town's billing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import user_passes_test
from django.core.exceptions import BadRequest, PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from billing.actions import (
    BillingError,
    compute,
    correct_period,
    enter_cost_pool,
    latest_statements,
    remove_efficiency_override,
    request_run,
    set_efficiency_override,
    void_usage_event,
)
from billing.forms import AllocationRuleForm, CostPoolForm, EfficiencyOverrideForm
from billing.models import AllocationRule, BillingPeriod, CostPool, EfficiencyOverride, UsageEvent
from billing.periods import PeriodError, month_span, parse_month
from billing.reports.render import CONTENT_TYPES, render_report
from billing.settings_defaults import HOURLY_RATE_SOURCE, hourly_rate
from billing.views.charts import bar_chart
from core.audit.log import log_action
from core.errors import PlatformError, status_for
from tenants.access import can_manage_billing
from tenants.models import Town


def _check(user) -> bool:
    if user.is_authenticated and not can_manage_billing(user):
        raise PermissionDenied(_("Billing is for the county's IT and finance staff."))
    return can_manage_billing(user)


def finance_required(view):
    """County IT and finance only; the pages hold every town's money figures: no cache keeps them."""
    return never_cache(user_passes_test(_check, login_url="portal:login")(view))


def _month(request, default: dt.date | None = None) -> dt.date:
    """The ``period`` asked for; none given: ``default`` (or this month); a malformed one: a 400 that says so."""
    text = request.GET.get("period") or request.POST.get("period") or ""
    if not text:
        return default or timezone.localdate().replace(day=1)
    try:
        return parse_month(text)
    except PeriodError as exc:
        raise BadRequest(str(exc)) from None


@finance_required
def dashboard(request):
    if request.method == "POST":
        return _override(request)
    return _dashboard(request)


def _dashboard(request, *, pool_form=None, override_form=None):
    """The county's finance page; a form sent back with errors is shown with them next to its fields (400)."""
    month = _month(request, (BillingPeriod.objects.values_list("month", flat=True).first()
                             or timezone.localdate().replace(day=1)))
    statements = latest_statements(month)
    period = BillingPeriod.objects.filter(month=month).first()
    rows = [{"statement": s, "net": s.value_of_time - s.total, "town": s.town} for s in statements]
    return render(request, "billing/finance/county.html", {
        "month": month, "period": period, "rows": rows, "state": period_state(period),
        "total": sum((s.total for s in statements), Decimal("0.00")),
        "value": sum((s.value_of_time for s in statements), Decimal("0.00")),
        "chart": bar_chart([(r["town"].name, r["statement"].total, r["statement"].value_of_time) for r in rows],
                           title=_("Share of costs and value of staff time saved, per town")),
        "periods": BillingPeriod.objects.all()[:24],
        "pools": CostPool.objects.filter(period=month),
        "rules": AllocationRule.objects.all(), "hourly_rate": hourly_rate(), "rate_source": HOURLY_RATE_SOURCE,
        "pool_form": pool_form or CostPoolForm(initial={"month": f"{month:%Y-%m}"}),
        "override_form": override_form or EfficiencyOverrideForm(),
        "overrides": EfficiencyOverride.objects.select_related("town").order_by("town__name", "service", "unit"),
    }, status=400 if pool_form is not None or override_form is not None else 200)


def _override(request):
    """Set or remove a town's minutes saved per unit (the dashboard's override form posts here)."""
    back = redirect(f"/finance/?period={request.POST.get('period', '')}#overrides")
    if request.POST.get("remove"):
        remove = request.POST["remove"]
        override = (EfficiencyOverride.objects.filter(pk=remove).select_related("town").first()
                    if remove.isascii() and remove.isdigit() and len(remove) < 19 else None)
        if override is not None:
            remove_efficiency_override(override, actor=request.user)
            messages.success(request, _("Override removed; the service's default applies again."))
        return back
    form = EfficiencyOverrideForm(request.POST)
    if not form.is_valid():
        return _dashboard(request, override_form=form)
    data = form.cleaned_data
    try:
        set_efficiency_override(Town.objects.get(ags=data["town"]), data["service"], data["unit"],
                                data["minutes_saved"], actor=request.user)
    except BillingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Minutes saved per unit set for this town. The next billing run uses them."))
    return back


@finance_required
@require_POST
def add_pool(request):
    form = CostPoolForm(request.POST, request.FILES)
    if not form.is_valid():
        return _dashboard(request, pool_form=form)
    data = form.cleaned_data
    month = parse_month(data["month"])
    period = BillingPeriod.objects.filter(month=month).first()
    if period and period.status == "closed":
        messages.error(request, _("The period is closed; a late cost goes in as a correction after entering it."))
    enter_cost_pool(service=data["service"], month=month, category=data["category"], amount=data["amount"],
                    description=data["description"], document=data["document"], actor=request.user)
    messages.success(request, _("Cost entered."))
    return redirect(f"/finance/?period={month:%Y-%m}")


@finance_required
def rule(request, service):
    instance = AllocationRule.objects.filter(service=service).first()
    form = AllocationRuleForm(request.POST or None, instance=instance, service=service)
    month = _month(request)
    preview = None
    if request.method == "POST" and form.is_valid():
        candidate = form.save(commit=False)
        candidate.service = service
        if "preview" in request.POST:
            preview = _preview(candidate, month)
        else:
            candidate.updated_by = request.user.get_username()
            candidate.save()
            log_action("billing.allocation_rule.set", actor=request.user, service=service, kind=candidate.kind,
                       unit=candidate.usage_unit, base_fraction=str(candidate.base_fraction))
            messages.success(request, _("Allocation key saved."))
            return redirect(f"/finance/?period={month:%Y-%m}")
    return render(request, "billing/finance/rule.html", {"service": service, "form": form, "preview": preview,
                                                         "month": month},
                  status=400 if request.method == "POST" and not form.is_valid() else 200)


def _preview(candidate: AllocationRule, month: dt.date) -> list[dict] | str:
    """The split this key would give for ``month``, computed exactly like a run, nothing saved."""
    saved = AllocationRule.objects.filter(service=candidate.service).first()
    try:
        with transaction.atomic():
            AllocationRule.objects.update_or_create(service=candidate.service, defaults={
                f.name: getattr(candidate, f.name) for f in AllocationRule._meta.fields if f.name not in {"id"}})
            result = compute(month)
            transaction.set_rollback(True)
    except BillingError as exc:
        return str(exc)
    current = {s.town_id: s for s in latest_statements(month)}
    rows = []
    for town_id, data in sorted(result.items(), key=lambda item: item[1].town_name):
        share = sum((line.share for line in data.lines
                     if line.service_key == candidate.service and line.is_pool_share), Decimal("0.00"))
        before = current.get(town_id)
        rows.append({"town": data.town_name, "share": share, "before": before.total if before else None})
    del saved
    return rows


@finance_required
@require_POST
def period_action(request):
    month = _month(request)
    action = request.POST.get("action")
    try:
        if action in ("run", "close"):
            request_run(month, actor=request.user, close=action == "close")
            messages.success(request, _("The billing run for %(month)s has been started in the background. "
                                        "This page shows its progress and its result.")
                             % {"month": f"{month:%m/%Y}"})
        elif action == "correct":
            made = correct_period(month, actor=request.user)
            messages.info(request, ngettext("%(count)s correction issued.", "%(count)s corrections issued.",
                                            len(made)) % {"count": len(made)})
        else:
            raise BillingError(_("Unknown action."))
    except BillingError as exc:
        messages.error(request, str(exc))
    return redirect(f"/finance/?period={month:%Y-%m}")


def period_state(period: BillingPeriod | None) -> dict:
    """What the finance pages say about a month's period: final or draft, a run under way, the last run."""
    if period is None:
        return {"status": "none", "final": False, "run_pending": False, "label": _("No billing run yet"),
                "last_run_at": None, "last_error": ""}
    final = period.status == "closed"
    if period.run_pending:
        label = _("A billing run is queued or running (started %(at)s).") % {
            "at": date_format(timezone.localtime(period.run_requested_at), "SHORT_DATETIME_FORMAT")}
    elif final:
        label = _("Final: closed on %(at)s.") % {
            "at": date_format(timezone.localtime(period.closed_at), "SHORT_DATETIME_FORMAT")}
    else:
        label = _("Draft (provisional): the period is open; the statements change with each run.")
    return {
        "status": period.status, "final": final, "run_pending": period.run_pending, "label": label,
        "last_run_at": (date_format(timezone.localtime(period.last_run_at), "SHORT_DATETIME_FORMAT")
                        if period.last_run_at else None),
        "last_error": period.last_error,
    }


@finance_required
def period_status(request):
    """The month's run status as JSON: the page polls it while a run is queued or running."""
    return JsonResponse(period_state(BillingPeriod.objects.filter(month=_month(request)).first()))


@finance_required
def download(request, fmt):
    month = _month(request)
    town = None
    if request.GET.get("town"):
        town = Town.objects.exclude(schema_name="public").filter(ags=request.GET["town"][:20]).first()
        if town is None:
            raise Http404("No such town")
    return _file(month, fmt, town)


def _file(month, fmt, town):
    try:
        content, name = render_report(month, fmt, town)
    except PlatformError as exc:  # by type: NoStatements is a 404, a bad format a 400
        return HttpResponse(str(exc), status=status_for(exc), content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


USAGE_PAGE_SIZE = 200


@finance_required
def usage(request):
    """The month's usage events, largest first (an implausible figure stands at the top), with their voids."""
    month = _month(request)
    start, end = month_span(month)
    events = UsageEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end).select_related(
        "town", "void").order_by("-quantity", "-occurred_at", "-id")
    town = request.GET.get("town", "")
    if town:
        events = events.filter(town__ags=town[:20])
    return render(request, "billing/finance/usage.html", {
        "month": month, "events": events[:USAGE_PAGE_SIZE], "town": town, "page_size": USAGE_PAGE_SIZE,
        "towns": Town.objects.exclude(schema_name="public").order_by("name"),
    })


@finance_required
@require_POST
def usage_void(request, event_id):
    month = _month(request)
    event = UsageEvent.objects.filter(pk=event_id).first()
    if event is None:
        raise Http404("No such usage event")
    try:
        void_usage_event(event, request.POST.get("reason", ""), actor=request.user)
    except BillingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Usage event voided. The next billing run (or a correction of a closed "
                                    "period) no longer counts it."))
    return redirect(f"/finance/usage/?period={month:%Y-%m}")


def yearly_totals(town: Town | None = None) -> list[dict]:
    """The multi-year view: shares and value of freed time per year (latest statements only)."""
    from billing.models import Statement

    latest = {}
    statements = Statement.objects.select_related("period").order_by("created_at")
    if town is not None:
        statements = statements.filter(town=town)
    for statement in statements:
        latest[(statement.town_id, statement.period.month)] = statement
    years: dict[int, dict] = {}
    for (_town_id, month), statement in sorted(latest.items(), key=lambda item: item[0][1]):
        year = years.setdefault(month.year, {"year": month.year, "total": Decimal("0.00"),
                                             "value": Decimal("0.00")})
        year["total"] += statement.total
        year["value"] += statement.value_of_time
    for year in years.values():
        year["net"] = year["value"] - year["total"]
    return list(years.values())


def town_pool_sum(month):
    return CostPool.objects.filter(period=month).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
