"""Knowledge-base files: CSV, TSV, XLSX and JSON in, the same out. One row per entry.

Columns (a file may leave out all but ``id``, ``question`` and ``answer``):
id, question, answer, link, source, department, variants, tags, valid_from, valid_until, sensitive.
In CSV/TSV/XLSX, ``variants`` are separated by "|" or line breaks and ``tags`` by commas;
JSON takes lists for both.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from django.utils.translation import gettext as _

from core import cells, uploads
from core.cells import SafeDictWriter, append_row

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
    """The file's rows as dicts (keys lower-cased); row numbers for reports are list index + 2.

    Read within the platform's upload limits (``core.uploads``): size, rows, field length, nesting,
    decompression; a file beyond them raises FileFormatError with the reason.
    """
    fmt = format_of(filename)
    limit = uploads.limits()
    try:
        uploads.check_size(data, limit)
        if fmt == "json":
            return _json_rows(uploads.load_json(data, limit), limit)
        if fmt == "xlsx":
            rows = uploads.read_xlsx(data, limit)
            header = [str(h or "").strip().lower() for h in (rows[0] if rows else [])]
            return [dict(zip(header, row, strict=False)) for row in rows[1:]]
        text = uploads.decode_text(data)
        rows = uploads.read_delimited(text, "\t" if fmt == "tsv" else _sniff(text), limit)
    except uploads.UploadRejected as error:
        raise FileFormatError(str(error)) from None
    if not rows and not text.strip():
        raise FileFormatError(_("The file is empty."))
    # A file this platform exported has its formula-like texts neutralised; take that back.
    return [{key: cells.restore(value) for key, value in row.items()} for row in rows]


def _json_rows(rows, limit) -> list[dict]:
    if isinstance(rows, dict):
        rows = rows.get("entries", [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise FileFormatError(_("JSON must be a list of objects (or {\"entries\": [...]})."))
    if len(rows) > limit.max_rows:
        raise FileFormatError(_("The file has more than %(limit)s rows; please split it.") % {"limit": limit.max_rows})
    return [{str(k).strip().lower(): v for k, v in row.items()} for row in rows]


def _sniff(text: str) -> str:
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


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
        append_row(sheet, COLUMNS)
        for row in flat:
            append_row(sheet, [row[c] for c in COLUMNS])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    out = io.StringIO(newline="")
    writer = SafeDictWriter(out, COLUMNS, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat)
    return out.getvalue().encode("utf-8")
