"""Contribution files in (CSV, TSV, XLSX, JSON) and analysis results out (CSV, XLSX, JSON, GeoJSON).

Input columns: ``id`` and ``text`` are required; ``title``, ``created_at``, ``lat``, ``lon`` are read;
every further column is kept as metadata. Files are refused whole, with a clear message, when they
are too large, not UTF-8 (or Windows-1252) text, zip bombs, or XLSX with formulas.
Exported cells that a spreadsheet would run as a formula (=, +, -, @) are neutralised.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

from django.utils.translation import gettext as _

from services.feedback import conf

FORMATS = {"csv": "text/csv", "tsv": "text/tab-separated-values", "json": "application/json",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
EXPORT_FORMATS = {"csv": "text/csv", "xlsx": FORMATS["xlsx"], "json": "application/json",
                  "geojson": "application/geo+json"}
REQUIRED = ("id", "text")
EXPORT_COLUMNS = ["id", "title", "text", "created_at", "lat", "lon", "topic", "topic_label", "topic_suggested",
                  "sentiment", "sentiment_suggested", "duplicate_of", "campaign", "spam", "spam_reason", "reviewed",
                  "source"]


class FileFormatError(ValueError):
    pass


def format_of(filename: str) -> str:
    suffix = Path(filename).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise FileFormatError(_("Unsupported file type %(suffix)s: use CSV, TSV, XLSX or JSON.")
                              % {"suffix": suffix or "-"})
    return suffix


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")  # Excel's CSV export on German Windows
        except UnicodeDecodeError:
            raise FileFormatError(_("The file is not UTF-8 text (broken encoding); save it as UTF-8 CSV.")) from None
    if "\x00" in text or "\ufffd" in text:
        raise FileFormatError(_("The file contains broken characters (wrong encoding or a binary file); "
                                "save it as UTF-8 text."))
    return text


def read_rows(data: bytes, filename: str) -> list[dict]:
    """The file's rows as dicts with lower-case keys; row numbers for reports are list index + 2."""
    fmt = format_of(filename)
    if len(data) > conf.MAX_IMPORT_BYTES:
        raise FileFormatError(_("The file is larger than %(limit)s MB.") % {"limit": conf.MAX_IMPORT_BYTES // 2**20})
    if not data.strip():
        raise FileFormatError(_("The file is empty."))
    if fmt == "json":
        rows = _read_json(data)
    elif fmt == "xlsx":
        rows = _read_xlsx(data)
    else:
        text = _decode(data)
        delimiter = "\t" if fmt == "tsv" else _sniff(text)
        try:
            reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
            rows = [{(k or "").strip().lower(): v for k, v in row.items() if k is not None} for row in reader]
        except csv.Error as error:
            raise FileFormatError(_("Not a readable CSV file: %(error)s") % {"error": error}) from None
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        _check_columns(header)
    if len(rows) > conf.MAX_IMPORT_ROWS:
        raise FileFormatError(_("The file has more than %(limit)s rows.") % {"limit": conf.MAX_IMPORT_ROWS})
    return rows


def _check_columns(header: list[str]) -> None:
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise FileFormatError(_("Required columns are missing: %(columns)s (the file needs id and text).")
                              % {"columns": ", ".join(missing)})


def _sniff(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    return max(counts, key=counts.get)


def _read_json(data: bytes) -> list[dict]:
    try:
        rows = json.loads(_decode(data))
    except json.JSONDecodeError as error:
        raise FileFormatError(_("Not valid JSON: %(error)s") % {"error": error}) from None
    if isinstance(rows, dict):
        rows = rows.get("contributions", [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise FileFormatError(_("JSON must be a list of objects (or {\"contributions\": [...]})."))
    rows = [{str(k).strip().lower(): v for k, v in row.items()} for row in rows]
    if rows:
        _check_columns(sorted(set().union(*rows)))
    return rows


def _read_xlsx(data: bytes) -> list[dict]:
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise FileFormatError(_("Not a readable XLSX file.")) from None
    if unpacked > conf.MAX_XLSX_UNPACKED_BYTES:
        raise FileFormatError(_("The XLSX file unpacks to more than %(limit)s MB (a zip bomb?); refused.")
                              % {"limit": conf.MAX_XLSX_UNPACKED_BYTES // 2**20})
    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=False).worksheets[0]
    except Exception as error:  # openpyxl raises many kinds for broken files
        raise FileFormatError(_("Not a readable XLSX file: %(error)s") % {"error": error}) from None
    rows_iter = sheet.iter_rows()
    header = [str(c.value or "").strip().lower() for c in next(rows_iter, [])]
    _check_columns(header)
    rows = []
    for number, cells in enumerate(rows_iter, start=2):
        values = [c.value for c in cells]
        if not any(v not in (None, "") for v in values):
            continue
        formulas = [c.coordinate for c in cells if getattr(c, "data_type", None) == "f"]
        if formulas:
            raise FileFormatError(_("Row %(row)s holds formulas (%(cells)s): save the values, not formulas.")
                                  % {"row": number, "cells": ", ".join(formulas)})
        rows.append(dict(zip(header, values, strict=False)))
    return rows


def neutralise(value):
    """A cell a spreadsheet would read as a formula gets a leading apostrophe (OWASP CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_rows(rows: list[dict], fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1, default=str).encode("utf-8")
    if fmt == "geojson":
        features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]}
                     if r["lat"] is not None and r["lon"] is not None else None,
                     "properties": {k: v for k, v in r.items() if k not in ("lat", "lon")}} for r in rows]
        return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                          default=str).encode("utf-8")
    safe = [{c: neutralise(_cell(r.get(c))) for c in EXPORT_COLUMNS} for r in rows]
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "Beiträge"
        sheet.append(EXPORT_COLUMNS)
        for row in safe:
            sheet.append([row[c] for c in EXPORT_COLUMNS])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    if fmt != "csv":
        raise FileFormatError(_("Unsupported export format %(fmt)s.") % {"fmt": fmt})
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(safe)
    return out.getvalue().encode("utf-8")


def _cell(value):
    if isinstance(value, bool):
        return "ja" if value else ""
    if value is None:
        return ""
    return value
