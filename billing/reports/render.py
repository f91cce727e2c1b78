"""One entry point for every report format, for a town or the whole county."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.utils.translation import gettext as _

from billing.actions import BillingError, from_json, latest_statements
from billing.actions.periods import NoStatements
from billing.reports.csv_report import render_csv
from billing.reports.data import StatementData
from billing.reports.pdf_report import render_overview_pdf, render_pdf
from billing.reports.xlsx_report import render_xlsx
from billing.reports.xrechnung import XRechnungError, render_xrechnung
from billing.settings_defaults import provider
from tenants.models import Town

FORMATS = ("pdf", "xlsx", "csv", "xrechnung", "umlage")
CONTENT_TYPES = {"pdf": "application/pdf", "umlage": "application/pdf", "csv": "text/csv; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "xrechnung": "application/xml"}
EXTENSIONS = {"pdf": "pdf", "umlage": "pdf", "csv": "csv", "xlsx": "xlsx", "xrechnung": "xml"}


def render_report(month: dt.date, fmt: str, town: Town | None = None) -> tuple[bytes, str]:
    """``(content, file name)``; ``town=None`` is the county overview (all towns)."""
    if fmt not in FORMATS:
        raise BillingError(_("Unknown format “%(format)s”; possible: %(formats)s.") % {"format": fmt, "formats": ", ".join(FORMATS)})
    statements = [_as_rendered(s) for s in latest_statements(month, town)]
    if not statements:
        raise NoStatements((_("There are no statements of %(town)s for %(month)s: run billing first.") if town else
                            _("There are no statements for %(month)s: run billing first."))
                           % {"town": getattr(town, "name", ""), "month": f"{month:%m/%Y}"})
    draft = any(s.draft for s in statements)
    stem = f"kiverbund-{month:%Y-%m}-{town.ags if town else 'kreis'}{'-entwurf' if draft else ''}"
    if fmt == "xrechnung":
        if town is None:
            raise BillingError(_("An XRechnung is made per town (--town)."))
        try:
            return render_xrechnung(statements[0]), f"{stem}-xrechnung.xml"
        except XRechnungError as exc:
            raise BillingError(str(exc)) from exc
    if fmt == "csv":
        return render_csv(statements), f"{stem}.csv"
    if fmt == "xlsx":
        return render_xlsx(statements), f"{stem}.xlsx"
    title = "Umlagebescheid" if fmt == "umlage" else "Kostenaufteilung"
    if draft:
        title = f"Entwurf (vorläufig): {title}"
    if town is None and fmt == "pdf":
        return render_overview_pdf(statements, title=f"{title} {month:%m/%Y}"), f"{stem}.pdf"
    return render_pdf(statements, title=f"{title} {month:%m/%Y}", umlage=fmt == "umlage"), f"{stem}.pdf"


def _as_rendered(statement) -> StatementData:
    """The stored snapshot, marked a draft while its period is open, with details stored before they existed
    (the town's postal address, the provider's identifiers) taken from today's records."""
    data = from_json(statement.data)
    town = statement.town
    buyer = data.buyer
    if not (buyer.street and buyer.postcode):
        buyer = replace(buyer, street=town.street, postcode=town.postcode, city=town.city or buyer.city)
    return replace(data, draft=not statement.final, buyer=buyer, provider=data.provider.completed_by(provider()))
