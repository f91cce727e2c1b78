"""The audit log in words people understand: what happened, and the few details that matter to them.

Entries keep their machine-readable action names and details (they travel with a town's export); the
pages show a sentence per action and a short list of labelled details instead. Details that mean
nothing to a reader (file paths on the server, checksums, internal ids, Keycloak ids) are left out.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import ChecklistItem
from catalog.registry import get_service
from tenants.models import Role, TownStatus

ACTIONS = {
    "tenants.town.onboarded": gettext_lazy("Town onboarded"),
    "tenants.town.activated": gettext_lazy("Town activated"),
    "tenants.town.suspended": gettext_lazy("Town suspended"),
    "tenants.town.offboarded": gettext_lazy("Town offboarded, its data erased"),
    "tenants.town.address_changed": gettext_lazy("Postal address changed"),
    "tenants.town.export_requested": gettext_lazy("Data export requested"),
    "tenants.town.exported": gettext_lazy("Data exported"),
    "tenants.member.invited": gettext_lazy("Person invited"),
    "tenants.member.invitation_resent": gettext_lazy("Invitation sent again"),
    "tenants.member.invitation_withdrawn": gettext_lazy("Invitation withdrawn"),
    "tenants.member.invitation_accepted": gettext_lazy("Invitation accepted"),
    "tenants.member.role_changed": gettext_lazy("Role changed"),
    "tenants.member.removed": gettext_lazy("Member removed"),
    "identity.break_glass.login": gettext_lazy("Emergency login"),
    "identity.break_glass.failed": gettext_lazy("Emergency login failed"),
    "identity.break_glass.refused": gettext_lazy("Emergency login refused"),
    "identity.session.ended_by_keycloak": gettext_lazy("Session ended by the login service"),
    "documents.document.uploaded": gettext_lazy("Document uploaded"),
    "catalog.service.registered": gettext_lazy("Service added to the catalogue"),
    "catalog.service.updated": gettext_lazy("Service description updated"),
    "catalog.service.unregistered": gettext_lazy("Service removed from the catalogue"),
    "catalog.offering.created": gettext_lazy("Offering created"),
    "catalog.offering.changed": gettext_lazy("Offering changed"),
    "catalog.subscription.requested": gettext_lazy("Subscription requested"),
    "catalog.checklist.confirmed": gettext_lazy("Checklist item confirmed"),
    "catalog.checklist.signed_off": gettext_lazy("Checklist signed off by the data protection officer"),
    "catalog.subscription.approval_requested": gettext_lazy("County approval requested"),
    "catalog.subscription.approved": gettext_lazy("Subscription approved by the county"),
    "catalog.subscription.activated": gettext_lazy("Subscription activated"),
    "catalog.subscription.cancelled": gettext_lazy("Subscription cancelled"),
    "catalog.subscription.ended": gettext_lazy("Subscription ended"),
    "catalog.subscription.withdrawn": gettext_lazy("Subscription request withdrawn"),
    "catalog.register.updated": gettext_lazy("KI-Register entry updated"),
    "billing.cost_pool.entered": gettext_lazy("Costs entered"),
    "billing.allocation_rule.set": gettext_lazy("Allocation key chosen"),
    "billing.efficiency_override.set": gettext_lazy("Time saved per unit set for a town"),
    "billing.efficiency_override.removed": gettext_lazy("Town's own time saved per unit removed"),
    "billing.period.run_requested": gettext_lazy("Billing run requested"),
    "billing.period.run": gettext_lazy("Statements computed"),
    "billing.period.run_failed": gettext_lazy("Billing run failed"),
    "billing.period.closed": gettext_lazy("Month closed, statements final"),
    "billing.statement.corrected": gettext_lazy("Statement corrected"),
    "billing.usage.voided": gettext_lazy("Usage figure voided"),
    "chatbot.kb.entry_created": gettext_lazy("Knowledge-base entry created"),
    "chatbot.kb.entry_updated": gettext_lazy("Knowledge-base entry changed"),
    "chatbot.kb.entry_deleted": gettext_lazy("Knowledge-base entry moved to the recycle bin"),
    "chatbot.kb.entry_restored": gettext_lazy("Knowledge-base entry restored"),
    "chatbot.kb.entries_purged": gettext_lazy("Knowledge-base entries deleted for good"),
    "chatbot.kb.imported": gettext_lazy("Knowledge base imported from a file"),
    "chatbot.kb.entries_merged": gettext_lazy("Knowledge-base entries merged"),
    "chatbot.kb.similarity_dismissed": gettext_lazy("Similar entries kept apart"),
    "chatbot.kb.variant_added": gettext_lazy("Way of asking added to an entry"),
    "chatbot.kb.variants_added": gettext_lazy("Ways of asking added"),
    "chatbot.case.replied": gettext_lazy("Citizen's question answered"),
    "chatbot.case.closed": gettext_lazy("Citizen's question closed"),
    "chatbot.case.turned_into_entry": gettext_lazy("Citizen's question turned into an entry"),
    "chatbot.settings.updated": gettext_lazy("Chatbot settings changed"),
    "chatbot.sensitive_topic.added": gettext_lazy("Sensitive topic added"),
    "chatbot.sensitive_topic.removed": gettext_lazy("Sensitive topic removed"),
    "chatbot.generative_mode.enabled": gettext_lazy("Rephrasing with a language model switched on"),
    "chatbot.generative_mode.disabled": gettext_lazy("Rephrasing with a language model switched off"),
    "feedback.project.created": gettext_lazy("Participation project created"),
    "feedback.project.updated": gettext_lazy("Participation project changed"),
    "feedback.contribution.submitted": gettext_lazy("Contribution received"),
    "feedback.contributions.imported": gettext_lazy("Contributions imported"),
    "feedback.contribution.moved": gettext_lazy("Contributions moved to another topic"),
    "feedback.analysis.requested": gettext_lazy("Analysis requested"),
    "feedback.analysis.finished": gettext_lazy("Analysis finished"),
    "feedback.topic.created": gettext_lazy("Topic created"),
    "feedback.topic.renamed": gettext_lazy("Topic renamed"),
    "feedback.topic.merged": gettext_lazy("Topics merged"),
    "feedback.topic.split": gettext_lazy("Topic split"),
    "feedback.sentiment.confirmed": gettext_lazy("Sentiment confirmed"),
    "feedback.sentiment.corrected": gettext_lazy("Sentiment corrected"),
    "feedback.duplicate.resolved": gettext_lazy("Duplicate decided"),
    "feedback.spam.decided": gettext_lazy("Spam decided"),
    "roads.network.imported": gettext_lazy("Road network imported"),
    "roads.network.graded": gettext_lazy("Road condition graded"),
    "roads.track.received": gettext_lazy("Vehicle track received"),
    "roads.batch.opened": gettext_lazy("Image upload started"),
    "roads.batch.closed": gettext_lazy("Image upload finished"),
    "roads.captures.received": gettext_lazy("Road images received"),
    "roads.capture.reviewed": gettext_lazy("Road image reviewed"),
    "roads.model.ran": gettext_lazy("Damage detection ran"),
    "roads.detections.imported": gettext_lazy("Damage detections imported"),
    "roads.detection.marked": gettext_lazy("Damage marked by staff"),
    "roads.detection.confirmed": gettext_lazy("Damage suggestion confirmed"),
    "roads.detection.corrected": gettext_lazy("Damage suggestion corrected"),
    "roads.detection.rejected": gettext_lazy("Damage suggestion rejected"),
    "roads.detection.reopened": gettext_lazy("Damage decision reopened"),
    "roads.workorder.opened": gettext_lazy("Work order opened"),
    "roads.workorder.closed": gettext_lazy("Work order closed"),
    "roads.scenario.computed": gettext_lazy("Repair plan computed"),
    "roads.settings.changed": gettext_lazy("Road settings changed"),
}

AREAS = {
    "tenants.town.": gettext_lazy("Towns"),
    "tenants.member.": gettext_lazy("Members and invitations"),
    "identity.": gettext_lazy("Login"),
    "documents.": gettext_lazy("Documents"),
    "catalog.": gettext_lazy("Catalogue, subscriptions and KI-Register"),
    "billing.": gettext_lazy("Cost sharing"),
    "chatbot.": gettext_lazy("Citizen chatbot"),
    "feedback.": gettext_lazy("Citizen feedback"),
    "roads.": gettext_lazy("Road condition"),
}

# The details a reader cares about, with their labels; every other detail stays in the export only.
DETAILS = {
    "name": gettext_lazy("Name"), "title": gettext_lazy("Title"), "ags": gettext_lazy("AGS"),
    "population": gettext_lazy("Population"), "status": gettext_lazy("Status"),
    "previous_status": gettext_lazy("Before"), "reason": gettext_lazy("Reason"), "note": gettext_lazy("Note"),
    "street": gettext_lazy("Street"), "postcode": gettext_lazy("Post code"), "city": gettext_lazy("City"),
    "email": gettext_lazy("E-mail"), "role": gettext_lazy("Role"), "username": gettext_lazy("User name"),
    "address": gettext_lazy("IP address"), "service": gettext_lazy("Service"), "item": gettext_lazy("Item"),
    "ends_on": gettext_lazy("Ends on"), "month": gettext_lazy("Month"), "amount": gettext_lazy("Amount"),
    "total": gettext_lazy("Amount"), "statements": gettext_lazy("Statements"), "number": gettext_lazy("Number"),
    "error": gettext_lazy("Error"), "created": gettext_lazy("New"), "updated": gettext_lazy("Changed"),
    "unchanged": gettext_lazy("Unchanged"), "merged": gettext_lazy("Merged"), "deleted": gettext_lazy("Deleted"),
    "external_id": gettext_lazy("Entry"), "question": gettext_lazy("Question"), "project": gettext_lazy("Project"),
    "topic": gettext_lazy("Topic"), "contributions": gettext_lazy("Contributions"),
    "detection": gettext_lazy("Damage"), "quantity": gettext_lazy("Quantity"), "rows": gettext_lazy("Rows"),
    "files": gettext_lazy("Files"), "version": gettext_lazy("Version"), "retention_days": gettext_lazy("Kept for (days)"),
    "minutes_saved": gettext_lazy("Minutes saved per unit"), "emailed": gettext_lazy("Reply sent by e-mail"),
    "close": gettext_lazy("Then close the month"), "keywords": gettext_lazy("Keywords"),
}
MONEY_KEYS = {"amount", "total", "annual_budget"}
LIST_SHOWN = 5


def action_label(action: str) -> str:
    label = ACTIONS.get(action)
    if label is not None:
        return str(label)
    for prefix, area in AREAS.items():
        if action.startswith(prefix):
            return _("Change in: %(area)s") % {"area": area}
    return _("Other change")


def area_choices() -> list[tuple[str, str]]:
    return [(prefix.rstrip("."), str(label)) for prefix, label in AREAS.items()]


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every action by its sentence, grouped by area (for a select with option groups)."""
    groups = []
    for prefix, area in AREAS.items():
        actions = sorted(((action, str(label)) for action, label in ACTIONS.items() if action.startswith(prefix)),
                         key=lambda pair: pair[1])
        if actions:
            groups.append((str(area), actions))
    return groups


def area_prefix(value: str) -> str | None:
    """The action prefix of an area chosen on the page; None for an unknown one (never a free prefix)."""
    prefix = f"{value}."
    return prefix if prefix in AREAS else None


def _value(key: str, value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        shown = [_value(key, item) for item in value[:LIST_SHOWN]]
        rest = len(value) - len(shown)
        return ", ".join(shown) + (f" {_('and %(n)s more') % {'n': rest}}" if rest > 0 else "")
    if isinstance(value, dict):
        return ""
    if key == "service":
        descriptor = get_service(str(value))
        return str(descriptor.name) if descriptor else str(value)
    if key == "role" and value in Role.values:
        return str(Role(value).label)
    if key in ("status", "previous_status") and value in TownStatus.values:
        return str(TownStatus(value).label)
    if key == "item" and value in ChecklistItem.values:
        return str(ChecklistItem(value).label)
    if key in MONEY_KEYS:
        try:
            return f"{formats.number_format(Decimal(str(value)), 2, use_l10n=True, force_grouping=True)} €"
        except (InvalidOperation, ValueError):
            return str(value)
    if key == "month" and isinstance(value, str) and len(value) == 7:
        try:
            return formats.date_format(dt.date.fromisoformat(f"{value}-01"), "YEAR_MONTH_FORMAT")
        except ValueError:
            return value
    if key == "ends_on" and isinstance(value, str):
        try:
            return formats.date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")
        except ValueError:
            return value
    if isinstance(value, int):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    return str(value)


def details(entry_details: dict) -> list[tuple[str, str]]:
    """(label, value) pairs of the details a reader cares about, in a fixed order."""
    if not isinstance(entry_details, dict):
        return []
    shown = []
    for key, label in DETAILS.items():
        if key not in entry_details or entry_details[key] in (None, "", [], {}):
            continue
        value = _value(key, entry_details[key])
        if value:
            shown.append((str(label), value[:300]))
    return shown


class Described:
    """An audit entry with its sentence and details, for templates."""

    __slots__ = ("entry", "label", "details")

    def __init__(self, entry):
        self.entry = entry
        self.label = action_label(entry.action)
        self.details = details(entry.details)


def describe(entries) -> list[Described]:
    return [Described(entry) for entry in entries]
