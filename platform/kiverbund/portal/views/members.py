"""The town administrator's member pages: list, invite, change role, remove — written through to Keycloak."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kiverbund.audit.log import log_action
from kiverbund.sso import provisioning
from kiverbund.sso.provisioning import KeycloakUnavailable
from tenants.access import has_town_role
from tenants.models import Invitation, Membership, Role

ROLE_CHOICES = [(r.value, r.label) for r in (Role.TOWN_STAFF, Role.TOWN_ADMIN, Role.FINANCE, Role.DPO)]


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail address"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=ROLE_CHOICES, initial=Role.TOWN_STAFF.value)


def _require_town_admin(request):
    if not has_town_role(request.user, request.tenant, Role.TOWN_ADMIN):
        raise PermissionDenied(_("Only the town's administrators manage its members."))


def member_list(request):
    _require_town_admin(request)
    town = request.tenant
    try:
        people = provisioning.members(town)
        error = None
    except KeycloakUnavailable as exc:
        people, error = [], str(exc)
    return render(request, "portal/town/members.html", {
        "people": people, "error": error, "form": InviteForm(), "role_choices": ROLE_CHOICES,
        "invitations": Invitation.objects.filter(town=town, accepted_at__isnull=True),
    }, status=503 if error else 200)


@require_POST
def member_invite(request):
    _require_town_admin(request)
    town = request.tenant
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("town:members")
    email, role = form.cleaned_data["email"], form.cleaned_data["role"]
    try:
        provisioning.invite(town, email)
    except KeycloakUnavailable as exc:
        messages.error(request, str(exc))
        return redirect("town:members")
    Invitation.objects.create(town=town, email=email, role=role, invited_by=request.user.get_username())
    log_action("tenants.member.invited", actor=request.user, town=town, email=email, role=role)
    messages.success(request, _("An invitation was sent to %(email)s.") % {"email": email})
    return redirect("town:members")


@require_POST
def member_role(request, member_id):
    _require_town_admin(request)
    role = request.POST.get("role", "")
    if role not in dict(ROLE_CHOICES):
        messages.error(request, _("Unknown role."))
        return redirect("town:members")
    try:
        # The member is named by Keycloak's id; their user name comes from Keycloak, never from the form.
        username = provisioning.set_role(request.tenant, member_id, role)
    except KeycloakUnavailable as exc:
        messages.error(request, str(exc))
        return redirect("town:members")
    # Applied here at once; the person's next login brings the same from Keycloak.
    Membership.objects.filter(town=request.tenant, user__username=username).delete()
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is not None:
        Membership.objects.create(town=request.tenant, user=user, role=role)
    log_action("tenants.member.role_changed", actor=request.user, town=request.tenant, member=username, role=role)
    messages.success(request, _("Role changed."))
    return redirect("town:members")


@require_POST
def member_remove(request, member_id):
    _require_town_admin(request)
    try:
        username = provisioning.remove_member(request.tenant, member_id, keep_username=request.user.get_username())
    except provisioning.SelfRemoval:
        messages.error(request, _("You cannot remove yourself."))
        return redirect("town:members")
    except KeycloakUnavailable as exc:
        messages.error(request, str(exc))
        return redirect("town:members")
    Membership.objects.filter(town=request.tenant, user__username=username).delete()
    log_action("tenants.member.removed", actor=request.user, town=request.tenant, member=username)
    messages.success(request, _("%(username)s no longer belongs to this town.") % {"username": username})
    return redirect("town:members")
