"""Reading uploaded and imported files within limits: size, rows, field length, nesting, decompression.

Every import of the platform and its services (knowledge base, town lists,
contributions, road data …) reads its file through these functions, so that a
hostile or broken file is refused quickly with a message the user can act on
instead of filling the memory or answering with a server error:

- ``check_size``: the file itself (``UPLOAD_MAX_BYTES``).
- ``decode_text``: UTF-8 (with or without BOM), else Windows-1252; a byte that
  is neither (0x81, 0x8D … in cp1252) or a NUL byte is refused.
- ``read_delimited``: CSV/TSV rows, at most ``IMPORT_MAX_ROWS`` and
  ``IMPORT_MAX_FIELD_CHARS`` characters per field.
- ``check_archive`` / ``read_xlsx``: an XLSX is a ZIP archive; its members may
  unpack to at most ``UPLOAD_MAX_UNPACKED_BYTES`` altogether and at most
  ``UPLOAD_MAX_COMPRESSION_RATIO`` times their packed size, checked from the
  archive's directory before anything is unpacked (a 38 KB workbook that
  unpacks to a million rows is refused at once); rows are read as a stream
  and reading stops at the row limit.
- ``load_json``: at most ``IMPORT_MAX_JSON_DEPTH`` levels of nesting, integers
  of a sane length.

All limits are settings (docs/operators.md); ``Limits(...)`` overrides them for one reader.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace

from django.conf import settings
from django.utils.translation import gettext as _


class UploadRejected(ValueError):
    """The file cannot be read within the limits; the message says why (translated)."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_field_chars: int
    max_unpacked_bytes: int
    max_ratio: int
    max_json_depth: int
    max_columns: int = 200

    def but(self, **changes) -> Limits:
        return replace(self, **changes)


def limits(**overrides) -> Limits:
    """The configured limits, some overridden for one reader."""
    return Limits(
        max_bytes=settings.UPLOAD_MAX_BYTES, max_rows=settings.IMPORT_MAX_ROWS,
        max_field_chars=settings.IMPORT_MAX_FIELD_CHARS, max_unpacked_bytes=settings.UPLOAD_MAX_UNPACKED_BYTES,
        max_ratio=settings.UPLOAD_MAX_COMPRESSION_RATIO, max_json_depth=settings.IMPORT_MAX_JSON_DEPTH,
    ).but(**overrides)


def _megabytes(count: int) -> str:
    return f"{count / 1_000_000:g}"


def check_size(data: bytes, limit: Limits) -> None:
    if len(data) > limit.max_bytes:
        raise UploadRejected(_("The file is larger than %(limit)s MB.") % {"limit": _megabytes(limit.max_bytes)})


def decode_text(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else Windows-1252; NUL bytes and undefined bytes are refused."""
    if b"\x00" in data:
        raise UploadRejected(_("The file contains NUL bytes: it is not a text file (or it is UTF-16; "
                               "please save it as UTF-8)."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise UploadRejected(_("The file is neither UTF-8 nor Windows-1252 text (byte %(byte)s at position "
                               "%(position)s); please save it as UTF-8.")
                             % {"byte": f"0x{data[error.start]:02X}", "position": error.start}) from None


def _too_many_rows(limit: Limits) -> UploadRejected:
    return UploadRejected(_("The file has more than %(limit)s rows; please split it.") % {"limit": limit.max_rows})


def read_delimited(text: str, delimiter, limit: Limits, *, numbered: bool = False) -> list:
    """The rows of CSV/TSV ``text`` as dicts keyed by the (stripped, lower-cased) header.

    ``delimiter`` is a character or a ``csv.Dialect``; ``numbered=True`` gives ``(line number, row)`` pairs.
    """
    options = {"dialect": delimiter} if not isinstance(delimiter, str) else {"delimiter": delimiter}
    reader = csv.DictReader(_bounded_lines(text, limit), **options)
    rows = []
    try:
        if not reader.fieldnames:
            return []
        if len(reader.fieldnames) > limit.max_columns:
            raise UploadRejected(_("The file has more than %(limit)s columns.") % {"limit": limit.max_columns})
        for row in reader:
            if len(rows) >= limit.max_rows:
                raise _too_many_rows(limit)
            values = {(k or "").strip().lower(): v for k, v in row.items()}
            rows.append((reader.line_num, values) if numbered else values)
    except csv.Error as error:
        raise UploadRejected(_("Line %(line)s cannot be read: %(error)s") % {"line": reader.line_num,
                                                                           "error": error}) from None
    return rows


def _bounded_lines(text: str, limit: Limits) -> Iterator[str]:
    """Lines for the csv module, refusing a field longer than the limit before the module copies it."""
    for line in io.StringIO(text, newline=""):
        if len(line) > limit.max_field_chars:
            raise UploadRejected(_("A line or field is longer than %(limit)s characters.")
                                 % {"limit": limit.max_field_chars})
        yield line


def check_archive(data: bytes, limit: Limits) -> zipfile.ZipFile:
    """The ZIP archive (an XLSX), after its directory showed it unpacks within the limits."""
    check_size(data, limit)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise UploadRejected(_("The file is not a readable XLSX workbook.")) from None
    if len(members) > 1000:
        raise UploadRejected(_("The workbook has too many parts."))
    unpacked = sum(member.file_size for member in members)
    if unpacked > limit.max_unpacked_bytes:
        raise UploadRejected(_("The workbook unpacks to more than %(limit)s MB; please split it.")
                             % {"limit": _megabytes(limit.max_unpacked_bytes)})
    for member in members:
        if member.file_size > limit.max_ratio * max(member.compress_size, 1) and member.file_size > 1_000_000:
            raise UploadRejected(_("The workbook is compressed more than %(ratio)s-fold, which spreadsheets "
                                   "do not do; it is refused as a possible decompression bomb.")
                                 % {"ratio": limit.max_ratio})
    return archive


def read_xlsx(data: bytes, limit: Limits, *, refuse_formulas: bool = False) -> list[tuple]:
    """The first sheet's non-empty rows (the header first), read as a stream and stopped at the row limit.

    A formula's value is the one the spreadsheet program last stored. ``refuse_formulas=True`` refuses a
    workbook holding formulas instead, naming the cells: texts read by people should be what they typed.
    """
    from openpyxl import load_workbook

    check_archive(data, limit)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=not refuse_formulas)
    except Exception:  # openpyxl raises many kinds for broken files  # noqa: BLE001
        raise UploadRejected(_("The file is not a readable XLSX workbook.")) from None
    try:
        if not book.worksheets:
            return []
        rows = []
        sheet_rows = book.worksheets[0].iter_rows(values_only=not refuse_formulas, max_col=limit.max_columns)
        for number, row in enumerate(sheet_rows, start=1):
            if refuse_formulas:
                formulas = [cell.coordinate for cell in row if getattr(cell, "data_type", None) == "f"]
                if formulas:
                    raise UploadRejected(_("Row %(row)s holds formulas (%(cells)s): please save the values, not "
                                           "formulas.") % {"row": number, "cells": ", ".join(formulas)})
                row = tuple(getattr(cell, "value", None) for cell in row)
            if not any(value not in (None, "") for value in row):
                continue
            if len(rows) > limit.max_rows:  # the header plus max_rows
                raise _too_many_rows(limit)
            for value in row:
                if isinstance(value, str) and len(value) > limit.max_field_chars:
                    raise UploadRejected(_("A cell is longer than %(limit)s characters.")
                                         % {"limit": limit.max_field_chars})
            rows.append(row)
        return rows
    except UploadRejected:
        raise
    except Exception:  # a broken sheet inside a valid archive  # noqa: BLE001
        raise UploadRejected(_("The file is not a readable XLSX workbook.")) from None
    finally:
        book.close()


def load_json(data: bytes, limit: Limits):
    """The decoded JSON document; nesting deeper than the limit, huge numbers and bad syntax are refused."""
    check_size(data, limit)
    text = decode_text(data)
    check_json_depth(text, limit.max_json_depth)
    try:
        return json.loads(text)
    except (json.JSONDecodeError, ValueError, RecursionError) as error:
        raise UploadRejected(_("Not valid JSON: %(error)s") % {"error": str(error)[:200]}) from None


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def check_json_depth(text: str, max_depth: int) -> None:
    """Refuse JSON nested deeper than ``max_depth`` before a parser recurses into it."""
    depth = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub('""', text)):
        depth += 1 if match.group() in "[{" else -1
        if depth > max_depth:
            raise UploadRejected(_("The JSON is nested more than %(limit)s levels deep.") % {"limit": max_depth})


def validate_upload_size(upload) -> None:
    """A form or serializer field validator: the uploaded file is at most ``UPLOAD_MAX_BYTES``.

    Checked on the upload's size before anything reads it into memory.
    """
    from django.core.exceptions import ValidationError

    limit = settings.UPLOAD_MAX_BYTES
    if upload is not None and getattr(upload, "size", 0) > limit:
        raise ValidationError(_("The file is larger than %(limit)s MB.") % {"limit": _megabytes(limit)})


def cell_text(value) -> str:
    """A file cell as text: nothing for an empty cell; spreadsheets' whole floats (ids) without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # spreadsheets turn ids into floats
    return str(value).strip()
