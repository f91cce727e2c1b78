"""Staff pages of the learning loop: a citizen's wording becomes a question variant; similar entries merge."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from services.chatbot.actions import learning
from services.chatbot.views import access_entry, require_editor


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


@require_POST
def variant_add(request):
    """From the inbox, the analytics lists and low-rated answers: ``question`` joins the entry ``external_id``."""
    require_editor(request)
    try:
        entry = learning.access_entry_by_external_id(request.POST.get("external_id", ""))
        added = learning.add_variant(entry, request.POST.get("question", ""), actor=request.user,
                                     town=request.tenant)
    except Http404 as error:
        messages.error(request, str(error))
    except learning.VariantError as error:
        messages.error(request, str(error))
    else:
        if added:
            messages.success(request, _("The question was added as a variant of entry %(id)s; it is answered "
                                        "with this entry from now on.") % {"id": entry.external_id})
        else:
            messages.info(request, _("Entry %(id)s already has this question.") % {"id": entry.external_id})
    return _back(request, "chatbot:analytics")


@require_POST
def entry_merge(request, entry_id):
    """The flagged entry joins the entry it resembles (or, with ``into``, any entry named by id)."""
    require_editor(request)
    entry = access_entry(entry_id)
    target = entry.similar_to
    if request.POST.get("into"):
        try:
            target = learning.access_entry_by_external_id(request.POST["into"])
        except Http404 as error:
            messages.error(request, str(error))
            return redirect("chatbot:entries")
    if target is None:
        messages.error(request, _("This entry resembles no other entry."))
        return redirect("chatbot:entries")
    try:
        kept = learning.merge_entries(target, entry, actor=request.user, town=request.tenant)
    except learning.VariantError as error:
        messages.error(request, str(error))
        return redirect("chatbot:entries")
    messages.success(request, _("Entry %(merged)s was merged into entry %(kept)s; its id %(merged)s stays valid as "
                                "an alias.") % {"merged": entry.external_id, "kept": kept.external_id})
    return redirect("chatbot:entry", entry_id=kept.pk)


@require_POST
def entry_keep_apart(request, entry_id):
    require_editor(request)
    entry = access_entry(entry_id)
    learning.dismiss_similarity(entry, actor=request.user, town=request.tenant)
    messages.success(request, _("Entry %(id)s is no longer marked as similar.") % {"id": entry.external_id})
    return redirect("chatbot:entries")
