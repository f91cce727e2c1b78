"""The town administrator's member pages: list, invite, change role, remove — written through to Keycloak."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.audit.log import log_action
from identity import provisioning
from identity.provisioning import KeycloakUnavailable
from identity.sync import invitation_validity
from tenants.access import has_town_role
from tenants.models import Invitation, Membership, Role

ROLE_CHOICES = [(r.value, r.label) for r in (Role.TOWN_STAFF, Role.TOWN_ADMIN, Role.FINANCE, Role.DPO)]


class InviteForm(forms.Form):
    # The invitation mail greets the person by name when both are given.
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=100, required=False)
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
        "invitations": Invitation.objects.filter(town=town, accepted_at__isnull=True,
                                                 created_at__gte=timezone.now() - invitation_validity()),
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
    if Invitation.objects.filter(town=town, email__iexact=email, accepted_at__isnull=True,
                                 created_at__gte=timezone.now() - invitation_validity()).exists():
        messages.error(request, _("%(email)s has already been invited and has not accepted yet.") % {"email": email})
        return redirect("town:members")
    try:
        user_id = provisioning.invite(town, email, first_name=form.cleaned_data["first_name"].strip(),
                                      last_name=form.cleaned_data["last_name"].strip())
    except provisioning.AlreadyMember:
        messages.error(request, _("%(email)s already belongs to this town.") % {"email": email})
        return redirect("town:members")
    except provisioning.AlreadyInvited:
        messages.error(request, _("%(email)s has already been invited and has not accepted yet.") % {"email": email})
        return redirect("town:members")
    except provisioning.UnverifiedAddress:
        messages.error(request, _("%(email)s is entered on an account that has not confirmed it yet. Please ask "
                                  "the person to confirm their address, or the county IT to check the account.")
                       % {"email": email})
        return redirect("town:members")
    except KeycloakUnavailable as exc:
        messages.error(request, str(exc))
        return redirect("town:members")
    Invitation.objects.create(town=town, email=email, role=role, invited_by=request.user.get_username(),
                              keycloak_user_id=user_id)
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


def _open_invitation(request, invitation_id: int) -> Invitation:
    """The town's own open invitation, or 404 (also for another town's)."""
    return get_object_or_404(Invitation, pk=invitation_id, town=request.tenant, accepted_at__isnull=True)


@require_POST
def invitation_resend(request, invitation_id):
    _require_town_admin(request)
    invitation = _open_invitation(request, invitation_id)
    try:
        registered = provisioning.resend_invitation(request.tenant, invitation.email)
    except (KeycloakUnavailable, provisioning.AlreadyMember, provisioning.UnverifiedAddress) as exc:
        messages.error(request, str(exc) if isinstance(exc, KeycloakUnavailable)
                       else _("The invitation to %(email)s cannot be sent again.") % {"email": invitation.email})
        return redirect("town:members")
    if invitation.keycloak_user_id or not registered:
        # A fresh validity from now on, for Keycloak's link and for the invitation alike. Not for an unbound
        # invitation someone already registered through: it goes to an account created after it was sent.
        Invitation.objects.filter(pk=invitation.pk).update(created_at=timezone.now())
    log_action("tenants.member.invitation_resent", actor=request.user, town=request.tenant, email=invitation.email,
               role=invitation.role)
    messages.success(request, _("The invitation to %(email)s was sent again.") % {"email": invitation.email})
    return redirect("town:members")


@require_POST
def invitation_withdraw(request, invitation_id):
    _require_town_admin(request)
    invitation = _open_invitation(request, invitation_id)
    try:
        provisioning.withdraw_invitation(request.tenant, invitation.email)
    except KeycloakUnavailable as exc:
        messages.error(request, str(exc))
        return redirect("town:members")
    invitation.delete()
    log_action("tenants.member.invitation_withdrawn", actor=request.user, town=request.tenant,
               email=invitation.email, role=invitation.role)
    messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("town:members")
