"""Knowledge-base files: CSV, TSV, XLSX and JSON in, the same out. One row per entry.

Columns (a file may leave out all but ``id``, ``question`` and ``answer``):
id, question, answer, link, source, department, variants, tags, valid_from, valid_until, sensitive.
In CSV/TSV/XLSX, ``variants`` are separated by "|" or line breaks and ``tags`` by commas;
JSON takes lists for both.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from django.utils.translation import gettext as _

COLUMNS = ["id", "question", "answer", "link", "source", "department", "variants", "tags", "valid_from",
           "valid_until", "sensitive"]
FORMATS = {"csv": "text/csv", "tsv": "text/tab-separated-values", "json": "application/json",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class FileFormatError(ValueError):
    pass


def format_of(filename: str) -> str:
    suffix = Path(filename).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise FileFormatError(_("Unsupported file type %(suffix)s: use CSV, TSV, XLSX or JSON.") % {"suffix": suffix})
    return suffix


def read_rows(data: bytes, filename: str) -> list[dict]:
    """The file's rows as dicts (keys lower-cased); row numbers for reports are list index + 2."""
    fmt = format_of(filename)
    if fmt == "json":
        try:
            rows = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise FileFormatError(_("Not valid JSON: %(error)s") % {"error": error}) from None
        if isinstance(rows, dict):
            rows = rows.get("entries", [])
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise FileFormatError(_("JSON must be a list of objects (or {\"entries\": [...]})."))
        return [{str(k).strip().lower(): v for k, v in row.items()} for row in rows]
    if fmt == "xlsx":
        return _read_xlsx(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t" if fmt == "tsv" else _sniff(text))
    if not reader.fieldnames:
        raise FileFormatError(_("The file is empty."))
    return [{(k or "").strip().lower(): v for k, v in row.items()} for row in reader]


def _sniff(text: str) -> str:
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def _read_xlsx(data: bytes) -> list[dict]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as error:  # openpyxl raises many kinds for broken files
        raise FileFormatError(_("Not a readable XLSX file: %(error)s") % {"error": error}) from None
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip().lower() for h in next(rows, [])]
    return [dict(zip(header, row, strict=False)) for row in rows if any(v not in (None, "") for v in row)]


def entry_row(entry) -> dict:
    return {
        "id": entry.external_id, "question": entry.question, "answer": entry.answer, "link": entry.link,
        "source": entry.source, "department": entry.department, "variants": entry.variants, "tags": entry.tags,
        "valid_from": entry.valid_from.isoformat() if entry.valid_from else "",
        "valid_until": entry.valid_until.isoformat() if entry.valid_until else "", "sensitive": entry.sensitive,
    }


def write_rows(entries, fmt: str) -> bytes:
    rows = [entry_row(e) for e in entries]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8")
    flat = [{**r, "variants": " | ".join(r["variants"]), "tags": ", ".join(r["tags"]),
             "sensitive": "ja" if r["sensitive"] else ""} for r in rows]
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "Wissensbasis"
        sheet.append(COLUMNS)
        for row in flat:
            sheet.append([row[c] for c in COLUMNS])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, COLUMNS, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat)
    return out.getvalue().encode("utf-8")
