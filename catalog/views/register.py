"""The town's public KI-Register (no login), its JSON and CSV, and editing by DPO and town admin."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from catalog import register
from catalog.access import REGISTER_ROLES, access_register_entry, require_town_role
from catalog.actions import CatalogError, update_register_entry
from catalog.forms import REGISTER_LABELS, RegisterEntryForm
from core.cells import SafeWriter
from tenants.access import has_town_role
from tenants.middleware import town_public


@town_public
def register_page(request):
    document = register.document(request.tenant)
    for entry in document["entries"]:
        # Dates for people (the JSON keeps ISO 8601).
        entry["start"] = dt.date.fromisoformat(entry["start_date"])
        entry["end"] = dt.date.fromisoformat(entry["end_date"]) if entry["end_date"] else None
        entry["updated"] = dt.datetime.fromisoformat(entry["last_updated"])
    return render(request, "catalog/register/town.html", {
        "entries": document["entries"], "labels": REGISTER_LABELS,
        "can_edit": request.user.is_authenticated and has_town_role(request.user, request.tenant, *REGISTER_ROLES),
        "entry_ids": {r.pk: r for r in register.published_entries(request.tenant)},
    })


@town_public
def register_json(request):
    response = JsonResponse(register.document(request.tenant), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Access-Control-Allow-Origin"] = "*"  # open data
    return response


@town_public
def register_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ki-register-{request.tenant.ags}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
    writer = SafeWriter(response, delimiter=";")
    writer.writerow(register.CSV_COLUMNS)
    for item in register.document(request.tenant)["entries"]:
        writer.writerow(register.csv_row(item))
    return response


def register_edit(request, entry_id):
    require_town_role(request, *REGISTER_ROLES)
    entry = access_register_entry(request.tenant, entry_id)
    form = RegisterEntryForm(request.POST or None, initial=entry.texts)
    if request.method == "POST" and form.is_valid():
        try:
            update_register_entry(entry, form.cleaned_data, actor=request.user)
        except CatalogError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Register entry saved as a new version."))
            return redirect("catalog:register-edit", entry_id=entry.pk)
    return render(request, "catalog/register/edit.html", {"entry": entry, "form": form,
                                                          "versions": entry.versions.all()},
                  status=400 if request.method == "POST" else 200)

