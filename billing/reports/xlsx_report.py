"""XLSX: a sheet per service, a summary sheet; totals are formulas, so the workbook stays live."""

from __future__ import annotations

import io
from collections import defaultdict

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from billing.reports.data import StatementData
from core.cells import Formula, append_row

EURO = '#,##0.00 "€"'
HEADER = ["AGS", "Gemeinde", "Verteilschlüssel bzw. Preis", "Kostenpool (€)", "Anteil (€)", "Nutzung", "Einheit",
          "Eingesparte Minuten", "Wert der Arbeitszeit (€)", "Abrechnungsart"]
CHARGES = {"pool": "Anteil am Kostenpool", "base_fee": "Jahresgrundgebühr", "per_inhabitant": "Je Einwohner",
           "per_unit": "Je Nutzungseinheit"}


def render_xlsx(statements: list[StatementData]) -> bytes:
    book = Workbook()
    summary = book.active
    # A workbook of an open period says so in its sheet name, so no copy of it passes for the final figures.
    summary.title = "Übersicht (Entwurf)" if any(s.draft for s in statements) else "Übersicht"
    append_row(summary, ["Abrechnung", "Zeitraum", "AGS", "Gemeinde", "Anteil gesamt (€)", "Wert der Arbeitszeit (€)",
                         "Nettonutzen (€)", "Status"])
    for cell in summary[1]:
        cell.font = Font(bold=True)
    by_service = defaultdict(list)
    for statement in statements:
        for line in statement.lines:
            by_service[(line.service_key, line.service_name)].append((statement, line))
    sheet_of: dict[str, str] = {}
    for (key, name), rows in sorted(by_service.items()):
        sheet = book.create_sheet(title=_sheet_title(name or key))
        sheet_of[key] = sheet.title
        append_row(sheet, HEADER)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for statement, line in rows:
            append_row(sheet, [statement.ags, statement.town_name, line.key_label,
                          line.pool if line.is_pool_share else None, line.share, line.usage, line.unit,
                          line.minutes_saved, line.value_of_time, CHARGES.get(line.charge, line.charge)])
        last = sheet.max_row
        append_row(sheet, ["Summe", None, None, None, Formula(f"=SUM(E2:E{last})"), Formula(f"=SUM(F2:F{last})"), None,
                      Formula(f"=SUM(H2:H{last})"), Formula(f"=SUM(I2:I{last})")])
        sheet.cell(row=last + 1, column=1).font = Font(bold=True)
        for row in sheet.iter_rows(min_row=2, max_row=last + 1):
            for column in (4, 5, 9):
                row[column - 1].number_format = EURO
        _widths(sheet)
    for index, statement in enumerate(statements, start=2):
        append_row(summary, [statement.number, f"{statement.period_start:%m/%Y}", statement.ags, statement.town_name,
                             statement.total, statement.value_of_time, Formula(f"=F{index}-E{index}"),
                             "vorläufig (Entwurf)" if statement.draft else "endgültig"])
        for column in (5, 6, 7):
            summary.cell(row=index, column=column).number_format = EURO
    last = summary.max_row
    append_row(summary, ["Summe", None, None, None, Formula(f"=SUM(E2:E{last})"), Formula(f"=SUM(F2:F{last})"), Formula(f"=SUM(G2:G{last})")])
    for column in (5, 6, 7):
        summary.cell(row=last + 1, column=column).number_format = EURO
    _widths(summary)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(name: str) -> str:
    for ch in "[]:*?/\\":
        name = name.replace(ch, " ")
    return name[:31]


def _widths(sheet) -> None:
    for index, column in enumerate(sheet.columns, start=1):
        width = max(len(str(cell.value or "")) for cell in column)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(12, width + 2), 45)
