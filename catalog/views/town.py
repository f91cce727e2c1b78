"""Catalogue and subscriptions at a town's host (members only; changes need the named roles)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog import actions
from catalog.access import (
    CHECKLIST_ROLES,
    MANAGE_ROLES,
    access_offering,
    access_service,
    access_subscription,
    require_town_role,
)
from catalog.actions import CatalogError
from catalog.forms import CancelForm
from catalog.models import OPEN_STATUSES, ChecklistItem, Offering, Service, Subscription
from catalog.pricing import cost_preview
from tenants.access import has_town_role


def catalogue(request):
    services = Service.objects.filter(registered=True).prefetch_related("offerings")
    rows = []
    for service in services:
        offerings = [o for o in service.offerings.all() if o.available]
        rows.append({"service": service, "meta": service.meta,
                     "previews": [(o, cost_preview(o, request.tenant)) for o in offerings],
                     "subscription": Subscription.objects.filter(town=request.tenant, offering__service=service,
                                                                 status__in=OPEN_STATUSES).first()})
    return render(request, "catalog/town/catalogue.html", {"rows": rows})


def service_detail(request, key):
    service = access_service(key)
    offerings = list(Offering.objects.filter(service=service, available=True))
    subscription = (Subscription.objects.filter(town=request.tenant, offering__service=service,
                                                status__in=OPEN_STATUSES)
                    .select_related("offering").prefetch_related("checklist").first())
    checklist = None
    if subscription is not None:
        done = {entry.item: entry for entry in subscription.checklist.all()}
        checklist = [{"item": item, "label": label, "entry": done.get(item)} for item, label in ChecklistItem.choices]
    return render(request, "catalog/town/service.html", {
        "service": service, "meta": service.meta,
        "previews": [(o, cost_preview(o, request.tenant)) for o in offerings],
        "subscription": subscription, "checklist": checklist,
        "checklist_complete": bool(checklist) and all(row["entry"] for row in checklist),
        "can_manage": has_town_role(request.user, request.tenant, *MANAGE_ROLES),
        "can_check": has_town_role(request.user, request.tenant, *CHECKLIST_ROLES),
        "is_dpo": has_town_role(request.user, request.tenant, "dpo"),
        "cancel_form": CancelForm(),
    })


def _done(request, subscription_or_key, message):
    messages.success(request, message)
    key = subscription_or_key if isinstance(subscription_or_key, str) else subscription_or_key.service.key
    return redirect("catalog:service", key=key)


def _failed(request, key, error):
    messages.error(request, str(error))
    return redirect("catalog:service", key=key)


@require_POST
def subscription_request(request, key):
    require_town_role(request, *MANAGE_ROLES)
    service = access_service(key)
    offering = access_offering(request.POST.get("offering"))
    if offering.service_id != service.pk:
        return _failed(request, key, _("This offering belongs to another service."))
    try:
        actions.request_subscription(request.tenant, offering, actor=request.user)
    except CatalogError as error:
        return _failed(request, key, error)
    return _done(request, key, _("Subscription requested. Please complete the compliance checklist."))


@require_POST
def checklist_confirm(request, subscription_id, item):
    require_town_role(request, *CHECKLIST_ROLES)
    subscription = access_subscription(request.tenant, subscription_id)
    try:
        actions.confirm_checklist_item(
            subscription, item, actor=request.user, avv_version=request.POST.get("avv_version", ""),
            dpia_file=request.FILES.get("dpia_file"),
            dpia_not_required_reason=request.POST.get("dpia_not_required_reason", ""))
    except CatalogError as error:
        return _failed(request, subscription.service.key, error)
    return _done(request, subscription, _("Checklist item confirmed."))


@require_POST
def checklist_sign_off(request, subscription_id):
    require_town_role(request, "dpo")
    subscription = access_subscription(request.tenant, subscription_id)
    try:
        actions.sign_off_checklist(subscription, actor=request.user, note=request.POST.get("note", ""))
    except CatalogError as error:
        return _failed(request, subscription.service.key, error)
    return _done(request, subscription, _("Checklist signed off."))


@require_POST
def subscription_activate(request, subscription_id):
    require_town_role(request, *MANAGE_ROLES)
    subscription = access_subscription(request.tenant, subscription_id)
    try:
        subscription = actions.activate_subscription(subscription, actor=request.user)
    except CatalogError as error:
        return _failed(request, subscription.service.key, error)
    if subscription.status == "awaiting_approval":
        return _done(request, subscription, _("The county has been asked to approve the activation."))
    return _done(request, subscription, _("The service is active for your town."))


@require_POST
def subscription_cancel(request, subscription_id):
    require_town_role(request, *MANAGE_ROLES)
    subscription = access_subscription(request.tenant, subscription_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _failed(request, subscription.service.key, " ".join(form.errors.get("ends_on", [])))
    try:
        actions.cancel_subscription(subscription, ends_on=form.cleaned_data["ends_on"], actor=request.user)
    except CatalogError as error:
        return _failed(request, subscription.service.key, error)
    return _done(request, subscription, _("Cancelled. The service stops on %(date)s.")
                 % {"date": form.cleaned_data["ends_on"].strftime("%d.%m.%Y")})


@require_POST
def subscription_withdraw(request, subscription_id):
    require_town_role(request, *MANAGE_ROLES)
    subscription = access_subscription(request.tenant, subscription_id)
    try:
        actions.withdraw_subscription(subscription, actor=request.user)
    except CatalogError as error:
        return _failed(request, subscription.service.key, error)
    return _done(request, subscription, _("Request withdrawn."))
