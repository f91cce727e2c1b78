"""The operator console on the platform domain: county IT admins manage towns here."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit.models import AuditEntry
from portal.forms import AddressForm, OffboardForm, OnboardingForm
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
    towns = Town.objects.order_by("status", "name")
    counts = {status: towns.filter(status=status).count() for status in TownStatus.values}
    return render(request, "portal/console/town_list.html", {
        "towns": towns, "form": form, "counts": counts,
        "population": sum(t.population for t in towns if t.status != TownStatus.OFFBOARDED),
    }, status=400 if request.method == "POST" else 200)


@operator_required
def town_detail(request, ags):
    town = access_town_by_ags(request.user, ags)
    return render(request, "portal/console/town_detail.html", {
        "subject": town,
        "exports": town.exports.all()[:10],
        "audit": AuditEntry.objects.filter(town=town)[:50],
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


@operator_required
def audit_log(request):
    entries = AuditEntry.objects.select_related("town")
    action = request.GET.get("action", "").strip()
    if action:
        entries = entries.filter(action__startswith=action)
    return render(request, "portal/console/audit.html", {"entries": entries[:200], "action": action})
