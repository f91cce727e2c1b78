"""Catalogue administration and the county-wide KI-Register on the operator console."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog import register
from catalog.actions import CatalogError, approve_subscription, save_offering
from catalog.actions.catalogue import OFFERING_FIELDS
from catalog.forms import OfferingForm
from catalog.models import Offering, Service, Subscription, SubscriptionStatus
from tenants.access import operator_required


@operator_required
def offerings(request):
    return render(request, "catalog/console/offerings.html", {
        "services": Service.objects.prefetch_related("offerings"),
        "waiting": Subscription.objects.filter(status=SubscriptionStatus.AWAITING_APPROVAL)
                   .select_related("town", "offering__service"),
        "active": Subscription.objects.filter(status=SubscriptionStatus.ACTIVE).select_related("town",
                                                                                               "offering__service"),
    })


@operator_required
def offering_edit(request, offering_id=None):
    offering = None
    if offering_id is not None:
        offering = Offering.objects.filter(pk=offering_id).first()
        if offering is None:
            raise Http404("No such offering")
    form = OfferingForm(request.POST or None, instance=offering)
    form.fields["service"].queryset = Service.objects.filter(registered=True)
    if offering is not None:
        form.fields["service"].disabled = True
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in OFFERING_FIELDS}
        try:
            # The ModelForm validated only; the action writes and audits.
            saved = save_offering(values, actor=request.user, offering=offering,
                                  service=form.cleaned_data.get("service"))
        except CatalogError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Offering saved."))
            return redirect("console:offering", offering_id=saved.pk)
    return render(request, "catalog/console/offering_form.html", {"form": form, "offering": offering},
                  status=400 if request.method == "POST" else 200)


@operator_required
@require_POST
def subscription_approve(request, subscription_id):
    subscription = Subscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        raise Http404("No such subscription")
    try:
        approve_subscription(subscription, actor=request.user)
    except CatalogError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Approved: the service is active for %(town)s.") % {"town": subscription.town.name})
    return redirect("console:offerings")


@operator_required
def county_register(request):
    entries = register.document()["entries"]
    towns = sorted({e["organisation"]["name"] for e in entries})
    return render(request, "catalog/console/register.html", {"entries": entries, "towns": towns})
