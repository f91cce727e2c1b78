"""Staff pages for the knowledge base, import/export and settings (town host, members only)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from services.chatbot import conf, formats, starter
from services.chatbot.actions import configure, imports, knowledge
from services.chatbot.forms import EntryForm, GenerativeForm, ImportForm, SensitiveTopicForm, SettingsForm
from services.chatbot.models import ChatbotSettings, Entry, SensitiveTopic
from tenants.access import has_town_role
from tenants.models import Role


def require_editor(request) -> None:
    """Reading is for every member; changing the chatbot is for town staff and town admins."""
    if not has_town_role(request.user, request.tenant, Role.TOWN_ADMIN, Role.TOWN_STAFF):
        raise PermissionDenied(_("Only town staff may change the chatbot."))


def access_entry(entry_id) -> Entry:
    try:
        return Entry.objects.prefetch_related("phrasings").get(pk=int(entry_id))
    except (ValueError, Entry.DoesNotExist):
        raise Http404("No such entry") from None


def entry_list(request):
    query = request.GET.get("q", "").strip()
    entries = Entry.objects.all()
    if query:
        entries = entries.filter(Q(question__icontains=query) | Q(answer_text__icontains=query)
                                 | Q(external_id=query) | Q(aliases__external_id=query)
                                 | Q(phrasings__text__icontains=query)).distinct()
    if request.GET.get("similar"):
        entries = entries.filter(similar_to__isnull=False, similarity_dismissed=False)
    page = Paginator(entries.select_related("similar_to"), 50).get_page(request.GET.get("page"))
    similar = Entry.objects.filter(similar_to__isnull=False, similarity_dismissed=False).count()
    return render(request, "chatbot/entries.html", {"page": page, "query": query, "total": Entry.objects.count(),
                                                    "similar": similar, "similar_only": bool(request.GET.get("similar")),
                                                    "trashed": Entry.all_objects.filter(deleted_at__isnull=False).count(),
                                                    "import_form": ImportForm(), "formats": list(formats.FORMATS)})


def entry_edit(request, entry_id=None):
    entry = access_entry(entry_id) if entry_id is not None else None
    form = EntryForm.for_entry(entry, request.POST or None)
    preview = None
    if request.method == "POST":
        require_editor(request)
        if form.is_valid():
            if "preview" in request.POST:
                preview = form.cleaned_data["answer"]
            else:
                saved = knowledge.save_entry(form.entry_data(), actor=request.user, town=request.tenant, entry=entry)
                messages.success(request, _("Entry “%(question)s” saved.") % {"question": saved.question[:80]})
                return redirect("chatbot:entries")
    return render(request, "chatbot/entry_form.html", {"form": form, "entry": entry, "preview": preview,
                                                       "trash_days": conf.TRASH_DAYS},
                  status=400 if request.method == "POST" and not form.is_valid() else 200)


@require_POST
def entry_delete(request, entry_id):
    require_editor(request)
    entry = access_entry(entry_id)
    knowledge.delete_entry(entry, actor=request.user, town=request.tenant)
    entry.refresh_from_db()
    until = knowledge.purge_until(entry)
    messages.success(request, _("“%(question)s” is in the recycle bin. The chatbot no longer uses it; you can "
                                "restore it until %(date)s.")
                     % {"question": entry.question[:80], "date": date_format(localtime(until), "SHORT_DATE_FORMAT")})
    return redirect("chatbot:entries")


def access_deleted_entry(entry_id) -> Entry:
    try:
        return Entry.all_objects.get(pk=int(entry_id), deleted_at__isnull=False)
    except (ValueError, Entry.DoesNotExist):
        raise Http404("No such entry in the recycle bin") from None


def trash(request):
    """The recycle bin: deleted entries, restorable until they are purged."""
    entries = Entry.all_objects.filter(deleted_at__isnull=False).order_by("-deleted_at")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    rows = [{"entry": entry, "until": knowledge.purge_until(entry)} for entry in page]
    return render(request, "chatbot/trash.html", {"page": page, "rows": rows, "days": conf.TRASH_DAYS})


@require_POST
def entry_restore(request, entry_id):
    require_editor(request)
    entry = access_deleted_entry(entry_id)
    knowledge.restore_entry(entry, actor=request.user, town=request.tenant)
    messages.success(request, _("“%(question)s” is restored; the chatbot uses it again.")
                     % {"question": entry.question[:80]})
    # From an inbox case back to that case; otherwise back to the recycle bin.
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect("chatbot:trash")


@require_POST
def starter_import(request):
    """Take over the starter knowledge base (nationwide basics) into an empty knowledge base."""
    require_editor(request)
    if Entry.objects.exists():
        messages.error(request, _("The starter knowledge base is only offered while the knowledge base is empty."))
        return redirect("chatbot:entries")
    report = knowledge.import_entries(starter.starter_rows(), actor=request.user, town=request.tenant)
    if not report.ok:
        return render(request, "chatbot/import_report.html", {"report": report, "filename": starter.STARTER_FAQ.name},
                      status=400)
    messages.success(request, ngettext(
        "%(count)s starter entry taken over: please check it and add your town's details.",
        "%(count)s starter entries taken over: please check them and add your town's details.",
        report.created) % {"count": report.created})
    return redirect("chatbot:entries")


@require_POST
def entry_import(request):
    require_editor(request)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        problems = [message for errors in form.errors.values() for message in errors] if request.FILES else []
        messages.error(request, " ".join(problems) or _("Please choose a file."))
        return redirect("chatbot:entries")
    upload = form.cleaned_data["file"]
    try:
        rows = formats.read_rows(upload.read(), upload.name)
    except formats.FileFormatError as error:
        messages.error(request, str(error))
        return redirect("chatbot:entries")
    if len(rows) > imports.INLINE_ROWS:
        import_id, report = imports.request_import(rows, actor=request.user, town=request.tenant)
        if report.ok:
            messages.success(request, _("The import of %(count)s entries has started; they appear here when it "
                                        "is complete.") % {"count": len(rows)})
            return redirect("chatbot:entries")
    else:
        report = knowledge.import_entries(rows, actor=request.user, town=request.tenant)
    if not report.ok:
        return render(request, "chatbot/import_report.html", {"report": report, "filename": upload.name}, status=400)
    if report.similar:
        messages.warning(request, ngettext(
            "%(count)s imported entry resembles an existing one; check the marked entries.",
            "%(count)s imported entries resemble existing ones; check the marked entries.",
            report.similar) % {"count": report.similar})
    messages.success(request, _("Imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
                     % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged})
    return redirect("chatbot:entries")


def entry_export(request, fmt):
    if fmt not in formats.FORMATS:
        raise Http404("Unknown format")
    entries = Entry.objects.prefetch_related("phrasings").order_by("external_id")
    response = HttpResponse(formats.write_rows(entries, fmt), content_type=formats.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="wissensbasis-{request.tenant.slug}.{fmt}"'
    return response


def chatbot_settings(request):
    current = ChatbotSettings.current()
    form = SettingsForm(request.POST or None, instance=current, prefix="settings")
    topic_form = SensitiveTopicForm(prefix="topic")
    generative_form = GenerativeForm(instance=current, prefix="generative")
    if request.method == "POST":
        require_editor(request)
        if "generative-generative_model" in request.POST:
            # Which language model sees citizens' questions is the town admin's decision.
            if not has_town_role(request.user, request.tenant, Role.TOWN_ADMIN):
                raise PermissionDenied(_("Only the town admin may change the generative mode."))
            generative_form = GenerativeForm(request.POST, instance=ChatbotSettings.current(), prefix="generative")
            form = SettingsForm(instance=current, prefix="settings")
            if generative_form.is_valid():
                d = generative_form.cleaned_data
                configure.configure_generative_mode(
                    enabled=d["generative_enabled"], base_url=d["generative_base_url"], model=d["generative_model"],
                    api_key="" if d["forget_key"] else (d["api_key"] or None), actor=request.user,
                    town=request.tenant)
                messages.success(request, _("Generative mode saved."))
                return redirect("chatbot:settings")
        elif "topic-name" in request.POST:
            topic_form = SensitiveTopicForm(request.POST, prefix="topic")
            form = SettingsForm(instance=current, prefix="settings")
            if topic_form.is_valid():
                configure.add_sensitive_topic(**topic_form.cleaned_data, actor=request.user, town=request.tenant)
                messages.success(request, _("Sensitive topic added."))
                return redirect("chatbot:settings")
        elif form.is_valid():
            configure.update_settings(origins=form.cleaned_data["origins"],
                                      retention_days=form.cleaned_data["retention_days"],
                                      inbox_email=form.cleaned_data["inbox_email"],
                                      actor=request.user, town=request.tenant)
            messages.success(request, _("Settings saved."))
            return redirect("chatbot:settings")
    return render(request, "chatbot/settings.html", {"form": form, "topic_form": topic_form,
                                                     "generative_form": generative_form, "settings": current,
                                                     "topics": SensitiveTopic.objects.all()})


@require_POST
def topic_delete(request, topic_id):
    require_editor(request)
    topic = SensitiveTopic.objects.filter(pk=topic_id).first()
    if topic is None:
        raise Http404("No such topic")
    configure.remove_sensitive_topic(topic, actor=request.user, town=request.tenant)
    return redirect("chatbot:settings")
