"""Contribution files in (CSV, TSV, XLSX, JSON) and analysis results out (CSV, XLSX, JSON, GeoJSON).

Input columns: ``id`` and ``text`` are required; ``title``, ``created_at``, ``lat``, ``lon`` are read;
every further column is kept as metadata. Files are read by the platform's upload readers
(``core.uploads``) and refused whole, with a clear message, when they are too large, not UTF-8 (or
Windows-1252) text, decompression bombs, or XLSX with formulas.
Exported cells that a spreadsheet would run as a formula (=, +, -, @) stay text (``core.cells``).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from django.utils.translation import gettext as _

from core import cells, uploads
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


def _limits() -> uploads.Limits:
    """The platform's upload limits, with the service's own size, row and unpacked-size settings."""
    return uploads.limits(max_bytes=conf.MAX_IMPORT_BYTES, max_rows=conf.MAX_IMPORT_ROWS,
                          max_unpacked_bytes=conf.MAX_XLSX_UNPACKED_BYTES)


def read_upload(upload) -> list[dict]:
    """An uploaded file's rows (the import page and the API): refused by its size before it is read
    into memory, then read like any other file."""
    limit = _limits()
    if upload.size > limit.max_bytes:
        raise FileFormatError(_("The file is larger than %(limit)s MB.") % {"limit": limit.max_bytes // 2**20})
    return read_rows(upload.read(), upload.name)


def read_rows(data: bytes, filename: str) -> list[dict]:
    """The file's rows as dicts with lower-case keys; row numbers for reports are list index + 2.

    Read through the platform's upload readers (``core.uploads``: size, rows, field length, nesting,
    decompression); a file beyond them raises FileFormatError with the reason.
    """
    fmt = format_of(filename)
    limit = _limits()
    try:
        uploads.check_size(data, limit)
        if not data.strip():
            raise FileFormatError(_("The file is empty."))
        if fmt == "json":
            return _json_rows(uploads.load_json(data, limit), limit)
        if fmt == "xlsx":
            table = uploads.read_xlsx(data, limit, refuse_formulas=True)
            header = [str(h or "").strip().lower() for h in (table[0] if table else [])]
            _check_columns(header)
            return [dict(zip(header, row, strict=False)) for row in table[1:]]
        text = uploads.decode_text(data)
        if "\ufffd" in text:
            raise FileFormatError(_("The file contains broken characters (wrong encoding or a binary file); "
                                    "save it as UTF-8 text."))
        delimiter = "\t" if fmt == "tsv" else _sniff(text)
        _check_columns(next(csv.reader([text.lstrip("\ufeff").split("\n", 1)[0]], delimiter=delimiter), []))
        rows = uploads.read_delimited(text, delimiter, limit)
    except uploads.UploadRejected as error:
        raise FileFormatError(str(error)) from None
    # A file this service exported has its formula-like texts neutralised; take that back.
    return [{key: cells.restore(value) for key, value in row.items() if key} for row in rows]


def _check_columns(header: list[str]) -> None:
    header = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise FileFormatError(_("Required columns are missing: %(columns)s (the file needs id and text).")
                              % {"columns": ", ".join(missing)})


def _sniff(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    return max(counts, key=counts.get)


def _json_rows(rows, limit: uploads.Limits) -> list[dict]:
    if isinstance(rows, dict):
        rows = rows.get("contributions", [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise FileFormatError(_("JSON must be a list of objects (or {\"contributions\": [...]})."))
    if len(rows) > limit.max_rows:
        raise FileFormatError(_("The file has more than %(limit)s rows.") % {"limit": limit.max_rows})
    rows = [{str(k).strip().lower(): v for k, v in row.items()} for row in rows]
    if rows:
        _check_columns(sorted(set().union(*rows)))
    return rows


def check_export_format(fmt: str) -> str:
    if fmt not in EXPORT_FORMATS:
        raise FileFormatError(_("Unsupported export format %(fmt)s: use %(formats)s.")
                              % {"fmt": fmt or "-", "formats": ", ".join(EXPORT_FORMATS)})
    return fmt


def write_rows(rows: list[dict], fmt: str) -> bytes:
    check_export_format(fmt)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1, default=str).encode("utf-8")
    if fmt == "geojson":
        features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]}
                     if r["lat"] is not None and r["lon"] is not None else None,
                     "properties": {k: v for k, v in r.items() if k not in ("lat", "lon")}} for r in rows]
        return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                          default=str).encode("utf-8")
    table = [{c: _cell(r.get(c)) for c in EXPORT_COLUMNS} for r in rows]
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "Beiträge"
        cells.append_row(sheet, EXPORT_COLUMNS)
        for row in table:
            cells.append_row(sheet, [row[c] for c in EXPORT_COLUMNS])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    out = io.StringIO(newline="")
    writer = cells.SafeDictWriter(out, EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue().encode("utf-8")


def _cell(value):
    if isinstance(value, bool):
        return "ja" if value else ""
    if value is None:
        return ""
    return value
