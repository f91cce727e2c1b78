"""Reading town lists: the Destatis GV100AD directory and a plain CSV layout.

Both readers return rows and per-row errors; ``import_towns`` onboards all rows
in one transaction, so a file with any error changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tenants.actions import TownData, TownError, onboard_town
from tenants.ags import validate_kreis

# GV100AD record type 60 (Gemeinde), fixed width in characters (the file is UTF-8).
_GV_FIELDS = {
    "satzart": (0, 2), "stand": (2, 10), "ags": (10, 18), "name": (22, 72),
    "type": (122, 124), "population": (139, 150),
}
# Textkennzeichen 65/66: gemeindefreie Gebiete (forests, lakes), not towns that could join.
_UNINCORPORATED = {"65", "66"}
# Suffixes Destatis appends to names (", Stadt", ", St", ", M" for Markt …), dropped for display.
_NAME_SUFFIX = re.compile(r",\s*(Stadt|St|M|Markt|GKSt|Hansestadt|Flecken|Landeshauptstadt|Kurort|Bergstadt|"
                          r"Universitätsstadt|Wissenschaftsstadt|Klingenstadt|Kreisstadt|Große Kreisstadt)\.?$")


@dataclass
class ImportRow:
    line: int
    data: TownData


@dataclass
class ImportResult:
    created: list = field(default_factory=list)
    existing: list = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def clean_gv_name(raw: str) -> str:
    return _NAME_SUFFIX.sub("", raw.strip()).strip()


def read_gv100ad(path: Path, kreis: str) -> tuple[list[ImportRow], list[tuple[int, str]], str]:
    """Gemeinden of ``kreis`` in a GV100AD file; also returns the Kreis name (record type 40)."""
    kreis = validate_kreis(kreis)
    rows: list[ImportRow] = []
    errors: list[tuple[int, str]] = []
    kreis_name = ""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            satzart = line[:2]
            if satzart == "40" and line[10:15] == kreis:
                kreis_name = line[22:72].strip()
            if satzart != "60" or line[10:15] != kreis:
                continue
            field_ = {key: line[a:b] for key, (a, b) in _GV_FIELDS.items()}
            if field_["type"] in _UNINCORPORATED:
                continue
            try:
                stand = dt.datetime.strptime(field_["stand"], "%Y%m%d").date()
                population = int(field_["population"])
            except ValueError:
                errors.append((number, _("Line %(line)s: date or population unreadable") % {"line": number}))
                continue
            rows.append(ImportRow(number, TownData(
                ags=field_["ags"], name=clean_gv_name(field_["name"]), population=population,
                # Destatis publishes the population of 31 December of the year before the edition.
                population_date=dt.date(stand.year - 1, 12, 31), kreis=kreis,
            )))
    if not rows and not errors:
        errors.append((0, _("The file holds no towns of Kreis %(kreis)s.") % {"kreis": kreis}))
    for row in rows:
        row.data.kreis_name = kreis_name
    return rows, errors, kreis_name


CSV_COLUMNS = ["ags", "name", "population", "population_date", "kreis", "kreis_name", "land", "leitweg_id",
               "contact_name", "contact_email", "contact_phone", "slug", "street", "postcode", "city"]
CSV_REQUIRED = {"ags", "name", "population"}


def read_csv(path: Path) -> tuple[list[ImportRow], list[tuple[int, str]]]:
    """Rows of a town list in CSV; read within the upload limits (``core.uploads``)."""
    from core import uploads

    rows: list[ImportRow] = []
    errors: list[tuple[int, str]] = []
    limit = uploads.limits()
    try:
        if path.stat().st_size > limit.max_bytes:
            raise uploads.UploadRejected(f"Die Datei ist größer als {limit.max_bytes} Bytes. / The file is too large.")
        text = uploads.decode_text(path.read_bytes())
        sample = text[:4096]
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
        except csv.Error:
            dialect = csv.excel
        header_line = text.split("\n", 1)[0]
        header = {name.strip().lower() for name in next(csv.reader([header_line], dialect), [])}
        missing = CSV_REQUIRED - header
        if missing:
            return [], [(1, f"Spalten fehlen / missing columns: {', '.join(sorted(missing))}")]
        unknown = header - set(CSV_COLUMNS)
        if unknown:
            return [], [(1, f"Unbekannte Spalten / unknown columns: {', '.join(sorted(unknown))}")]
        numbered = uploads.read_delimited(text, dialect, limit, numbered=True)
    except uploads.UploadRejected as exc:
        return [], [(0, f"{path.name}: {exc}")]
    for number, raw in numbered:
        values = {key: (value or "").strip() if isinstance(value, str) else "" for key, value in raw.items() if key}
        try:
            population_date = (dt.date.fromisoformat(values["population_date"])
                               if values.get("population_date") else None)
        except ValueError:
            errors.append((number, _("Line %(line)s: population_date must be YYYY-MM-DD") % {"line": number}))
            continue
        rows.append(ImportRow(number, TownData(
            ags=values.get("ags", ""), name=values.get("name", ""), population=values.get("population", ""),
            population_date=population_date, kreis=values.get("kreis") or None,
            kreis_name=values.get("kreis_name", ""), land=values.get("land") or None,
            leitweg_id=values.get("leitweg_id", ""), contact_name=values.get("contact_name", ""),
            contact_email=values.get("contact_email", ""), contact_phone=values.get("contact_phone", ""),
            slug=values.get("slug") or None, street=values.get("street", ""),
            postcode=values.get("postcode", ""), city=values.get("city", ""),
        )))
    return rows, errors


def _duplicates(rows: Iterable[ImportRow]) -> Iterator[tuple[int, str]]:
    seen: dict[str, int] = {}
    for row in rows:
        key = row.data.ags.strip()
        if key in seen:
            yield row.line, f"Zeile {row.line}: AGS {key} steht schon in Zeile {seen[key]} / duplicate AGS"
        else:
            seen[key] = row.line


def import_rows(rows: list[ImportRow], errors: list[tuple[int, str]], *, actor: Any = None,
                activate: bool = False) -> ImportResult:
    """Onboard every row, all or nothing; every bad row is reported, not only the first."""
    result = ImportResult(errors=list(errors))
    result.errors.extend(_duplicates(rows))
    for row in rows:
        try:
            row.data = row.data.cleaned()
        except TownError as exc:
            result.errors.append((row.line, f"Zeile {row.line} (AGS {row.data.ags}): {exc}"))
    if result.errors:
        return result
    try:
        with transaction.atomic():
            for row in rows:
                try:
                    town, created = onboard_town(row.data, actor=actor, activate=activate)
                except TownError as exc:
                    result.errors.append((row.line, f"Zeile {row.line} (AGS {row.data.ags}): {exc}"))
                    continue
                (result.created if created else result.existing).append(town)
            if result.errors:
                raise _Rollback
    except _Rollback:
        from tenants.actions.onboarding import undo_identity

        # The database took every row back; the Organizations made for the good rows go too.
        for town in result.created:
            undo_identity(town)
        result.created.clear()
        result.existing.clear()
    if result.created:
        from tenants.schemas import analyze_catalogue

        analyze_catalogue()
    return result


class _Rollback(Exception):
    pass
