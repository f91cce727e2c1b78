"""Pages at a town's host."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.audit.log import log_action
from core.documents.models import Document
from portal.forms import DocumentForm
from tenants.middleware import town_public


@town_public
def landing(request):
    return render(request, "portal/town/landing.html")


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
