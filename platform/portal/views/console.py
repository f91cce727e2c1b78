"""The operator console on the platform domain: county IT admins manage towns here."""

from __future__ import annotations

import html
from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog.models import Subscription, SubscriptionStatus
from core.audit.models import AuditEntry
from portal.audit_words import area_prefix, describe
from portal.forms import AddressForm, AuditFilterForm, OffboardForm, OnboardingForm, TownFilterForm
from tenants.access import access_town_by_ags, is_county_finance, is_platform_admin, operator_required
from tenants.actions import (
    TownError,
    activate_town,
    offboard_town,
    onboard_town,
    request_export,
    set_postal_address,
    suspend_town,
)
from tenants.models import Town, TownStatus


def console_home(request):
    """The console's start page fits the person: county finance lands on the finance page, not on a refusal."""
    user = request.user
    if user.is_authenticated and not is_platform_admin(user) and is_county_finance(user):
        return redirect("finance:dashboard")
    return town_list(request)


@operator_required
def town_list(request):
    if request.method == "POST":
        return town_new(request)
    return render(request, "portal/console/town_list.html", _town_page(request))


@operator_required
def town_new(request):
    """The onboarding form on its own page: the town list stays a cheap page to render (no form to build)."""
    form = OnboardingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            town, created = onboard_town(form.town_data(), actor=request.user, activate=form.cleaned_data["activate"])
        except TownError as exc:
            form.add_error(None, str(exc))
        else:
            if created:
                messages.success(request, _("%(name)s was onboarded: %(url)s") % {"name": town.name, "url": town.url})
            else:
                messages.info(request, _("%(name)s was already onboarded.") % {"name": town.name})
            return redirect("console:town", ags=town.ags)
    return render(request, "portal/console/town_new.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


TOWNS_PER_PAGE = 50


def _figures() -> tuple[dict, int]:
    """The figures of all towns and the number of subscriptions awaiting approval, in one round trip.

    Written out in SQL: the ORM's aggregate with a filter per status cost more to build than to run,
    and the subscriptions' count was a second query.
    """
    quote = connection.ops.quote_name
    statuses = TownStatus.values
    per_status = ", ".join(["COUNT(*) FILTER (WHERE status = %s)"] * len(statuses))
    sql = (f"SELECT COUNT(*), COALESCE(SUM(population) FILTER (WHERE status <> %s), 0), {per_status}, "
           f"(SELECT COUNT(*) FROM {quote(Subscription._meta.db_table)} WHERE status = %s) "
           f"FROM {quote(Town._meta.db_table)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [TownStatus.OFFBOARDED, *statuses, SubscriptionStatus.AWAITING_APPROVAL])
        total, population, *by_status, waiting = cursor.fetchone()
    return {"total": total, "population": population, **dict(zip(statuses, by_status, strict=True))}, waiting


def _town_page(request) -> dict:
    """One page of towns with the figures of all of them: two queries (three with a search), whatever the number."""
    towns = Town.objects.all()
    totals, waiting = _figures()
    filters = TownFilterForm(request.GET)
    search = {"q": "", "status": "", "statuses": TownStatus.choices}
    if filters.is_valid():
        search.update(q=filters.cleaned_data["q"].strip(), status=filters.cleaned_data["status"])
        if search["q"]:
            towns = towns.filter(Q(name__icontains=search["q"]) | Q(ags__startswith=search["q"])
                                 | Q(kreis_name__icontains=search["q"]))
        if search["status"]:
            towns = towns.filter(status=search["status"])
    rows = towns.order_by("status", "name").only("name", "slug", "ags", "kreis", "kreis_name", "population", "status")
    paginator = Paginator(rows, TOWNS_PER_PAGE)
    if not (search["q"] or search["status"]):
        paginator.count = totals["total"]  # known from the aggregate: no second COUNT query
    page = paginator.get_page(request.GET.get("page"))
    return {
        "page": page, "waiting": waiting, "search": search, "filtered": bool(search["q"] or search["status"]), "totals": totals,
        "query": _query_without_page(request), "rows": _town_rows(page),
    }


def _town_rows(towns) -> str:
    """The table's rows as HTML in one pass: a template loop costs more per town than the rest of the page.

    Every value is escaped with the standard library's ``html.escape``, which Django's ``escape`` calls too:
    ``format_html`` first checks each argument for lazy and safe strings, and that cost more than the rest
    of the row.
    """
    labels = {value: html.escape(str(label)) for value, label in TownStatus.choices}
    link = html.escape(reverse("console:town", args=["00000000"]).removesuffix("00000000/"))  # one reverse
    grouping = get_format("THOUSAND_SEPARATOR")
    rows = []
    for t in towns:
        ags, status = html.escape(t.ags), html.escape(t.status)
        population = html.escape(f"{t.population:,}".replace(",", grouping))
        address = "" if t.status == TownStatus.OFFBOARDED else \
            f'<a href="{html.escape(t.url)}">{html.escape(t.host)}</a>'
        rows.append(f'<tr><td><a href="{link}{ags}/">{html.escape(t.name)}</a></td><td>{ags}</td>'
                    f'<td>{html.escape(t.kreis_name or t.kreis or "")}</td><td class="num">{population}</td>'
                    f'<td><span class="status status-{status}">{labels.get(t.status, status)}</span></td>'
                    f'<td>{address}</td></tr>')
    return mark_safe("\n".join(rows))  # noqa: S308 (every value above is escaped)


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


TOWN_AUDIT_SHOWN = 20


@operator_required
def town_detail(request, ags):
    town = access_town_by_ags(request.user, ags)
    return render(request, "portal/console/town_detail.html", {
        "subject": town,
        "exports": town.exports.all()[:10],
        "audit": describe(AuditEntry.objects.filter(town=town)[:TOWN_AUDIT_SHOWN]),
        "offboard_form": OffboardForm(town=town),
        "address_form": AddressForm(initial={"street": town.street, "postcode": town.postcode, "city": town.city}),
    })


@operator_required
def town_address(request, ags):
    """The town's postal address for invoices; errors stand next to their field."""
    town = access_town_by_ags(request.user, ags)
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            set_postal_address(town, actor=request.user, **form.cleaned_data)
        except TownError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Postal address saved."))
            return redirect("console:town", ags=town.ags)
    elif request.method != "POST":
        form = AddressForm(initial={"street": town.street, "postcode": town.postcode, "city": town.city})
    return render(request, "portal/console/town_address.html", {"subject": town, "form": form},
                  status=400 if request.method == "POST" else 200)


@operator_required
@require_POST
def town_status(request, ags):
    town = access_town_by_ags(request.user, ags)
    target = request.POST.get("status")
    try:
        if target == TownStatus.ACTIVE:
            activate_town(town, actor=request.user)
        elif target == TownStatus.SUSPENDED:
            suspend_town(town, actor=request.user, reason=request.POST.get("reason", ""))
        else:
            raise TownError(_("Unknown status."))
    except TownError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Status changed."))
    return redirect("console:town", ags=town.ags)


@operator_required
@require_POST
def town_export(request, ags):
    town = access_town_by_ags(request.user, ags)
    try:
        # In the background: a large town's files take longer than a web request may.
        with transaction.atomic():
            request_export(town, actor=request.user)
    except TownError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The export has started; it is listed below when it is complete."))
    return redirect("console:town", ags=town.ags)


@operator_required
def export_download(request, ags, export_id):
    town = access_town_by_ags(request.user, ags)
    record = get_object_or_404(town.exports, pk=export_id)
    path = Path(record.path)
    if not path.exists():
        raise Http404("export file is gone")
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@operator_required
@require_POST
def town_offboard(request, ags):
    town = access_town_by_ags(request.user, ags)
    form = OffboardForm(request.POST, town=town)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("confirm_ags", [])))
        return redirect("console:town", ags=town.ags)
    try:
        offboard_town(town, confirm=True, actor=request.user)
    except TownError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(name)s was offboarded; its data is erased.") % {"name": town.name})
    return redirect("console:town", ags=town.ags)


AUDIT_PER_PAGE = 50


@operator_required
def audit_log(request):
    entries = AuditEntry.objects.select_related("town")
    filters = AuditFilterForm(request.GET)
    if filters.is_valid():
        data = filters.cleaned_data
        if data["q"].strip():
            entries = entries.annotate(details_text=Cast("details", TextField())).filter(
                Q(details_text__icontains=data["q"].strip()) | Q(actor__icontains=data["q"].strip()))
        if data["actor"].strip():
            entries = entries.filter(actor__icontains=data["actor"].strip())
        if data["area"] and area_prefix(data["area"]):
            entries = entries.filter(action__startswith=area_prefix(data["area"]))
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["town"].strip():
            entries = entries.filter(Q(town__name__icontains=data["town"].strip()) | Q(town__ags=data["town"].strip()))
        if data["since"]:
            entries = entries.filter(created_at__date__gte=data["since"])
        if data["until"]:
            entries = entries.filter(created_at__date__lte=data["until"])
    else:
        entries = entries.none()
    page = Paginator(entries, AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/console/audit.html", {
        "page": page, "entries": describe(page), "filters": filters, "query": _query_without_page(request),
    }, status=400 if filters.is_bound and not filters.is_valid() else 200)
