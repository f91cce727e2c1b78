"""Pages at a town's host."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.audit.log import log_action
from core.documents.models import Document
from portal.dashboard import town_dashboard
from portal.forms import DocumentForm
from tenants.access import can_access_town, is_platform_admin, town_roles
from tenants.middleware import town_public
from tenants.models import Role


@town_public
def landing(request):
    """Visitors see the town's public page; members land on their town's dashboard."""
    if not can_access_town(request.user, request.tenant):
        return render(request, "portal/town/landing.html")
    roles = town_roles(request.user, request.tenant)
    role_names = [str(label) for value, label in Role.choices if value in roles]
    if is_platform_admin(request.user) and not role_names:
        role_names = [str(Role.PLATFORM_ADMIN.label)]
    return render(request, "portal/town/dashboard.html", {
        "dashboard": town_dashboard(request.user, request.tenant), "role_names": role_names,
    })


def documents(request):
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        document = Document.objects.create(title=form.cleaned_data["title"], file=form.cleaned_data["file"],
                                           uploaded_by=request.user.get_username())
        log_action("documents.document.uploaded", actor=request.user, town=request.tenant,
                   document_id=document.pk, title=document.title, sha256=document.sha256)
        messages.success(request, _("Document uploaded."))
        return redirect("town:documents")
    return render(request, "portal/town/documents.html", {"documents": Document.objects.all(), "form": form})


def document_download(request, document_id):
    # The query runs in this town's schema, so another town's id is simply not found.
    document = get_object_or_404(Document, pk=document_id)
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1])
