"""The Amtlicher Gemeindeschlüssel (AGS), the Leitweg-ID and town slugs."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LAENDER = {
    "01": "Schleswig-Holstein",
    "02": "Hamburg",
    "03": "Niedersachsen",
    "04": "Bremen",
    "05": "Nordrhein-Westfalen",
    "06": "Hessen",
    "07": "Rheinland-Pfalz",
    "08": "Baden-Württemberg",
    "09": "Bayern",
    "10": "Saarland",
    "11": "Berlin",
    "12": "Brandenburg",
    "13": "Mecklenburg-Vorpommern",
    "14": "Sachsen",
    "15": "Sachsen-Anhalt",
    "16": "Thüringen",
}
_LAND_BY_NAME = {name.lower(): code for code, name in LAENDER.items()}


def validate_ags(ags: str, *, kreis: str | None = None, land: str | None = None) -> str:
    """Return the normalised 8-digit AGS or raise ValidationError.

    The AGS is Land (2) + Regierungsbezirk (1) + Kreis (2) + Gemeinde (3); its
    first five digits are the Kreis key, so a town named for a Kreis must start
    with that key.
    """
    ags = (ags or "").strip()
    if not re.fullmatch(r"\d{8}", ags):
        raise ValidationError(_("The AGS must have exactly 8 digits, got “%(ags)s”.") % {"ags": ags}, code="ags_format")
    if ags[:2] not in LAENDER:
        raise ValidationError(
            _("The AGS “%(ags)s” names Land %(land)s; Länder are numbered 01 to 16.") % {"ags": ags, "land": ags[:2]},
            code="ags_land",
        )
    if kreis:
        kreis = validate_kreis(kreis)
        if ags[:5] != kreis:
            raise ValidationError(
                _("The AGS “%(ags)s” does not belong to Kreis %(kreis)s.") % {"ags": ags, "kreis": kreis},
                code="ags_kreis",
            )
    if land:
        code = land_code(land)
        if ags[:2] != code:
            raise ValidationError(
                _("The AGS “%(ags)s” does not belong to %(land)s.") % {"ags": ags, "land": LAENDER[code]},
                code="ags_land_mismatch",
            )
    return ags


def validate_kreis(kreis: str) -> str:
    kreis = (kreis or "").strip()
    if not re.fullmatch(r"\d{5}", kreis) or kreis[:2] not in LAENDER:
        raise ValidationError(_("A Kreis key has 5 digits and starts with a Land from 01 to 16, got “%(kreis)s”.")
                              % {"kreis": kreis}, code="kreis_format")
    return kreis


def land_code(land: str) -> str:
    """Accept a Land as its two-digit key or its name."""
    value = (land or "").strip()
    if value.zfill(2) in LAENDER and value.isdigit():
        return value.zfill(2)
    code = _LAND_BY_NAME.get(value.lower())
    if code is None:
        raise ValidationError(_("Unknown Land “%(land)s”.") % {"land": land}, code="land_unknown")
    return code


def _mod97(digits: str) -> int:
    return int(digits) % 97


def _leitweg_numeric(text: str) -> str:
    # ISO/IEC 7064 MOD 97-10 as the Leitweg-ID standard uses it: letters count as 10..35.
    return "".join(str(int(ch, 36)) for ch in text.upper())


def validate_leitweg_id(value: str) -> str:
    """Validate a Leitweg-ID (XRechnung buyer reference): format and check digits."""
    value = (value or "").strip()
    match = re.fullmatch(r"(\d{2,12})(?:-([0-9A-Za-z]{1,30}))?-(\d{2})", value)
    if not match:
        raise ValidationError(
            _("A Leitweg-ID looks like 04011000-1234512345-06 (coarse address, optional fine address, check digits)."),
            code="leitweg_format",
        )
    body = match.group(1) + (match.group(2) or "")
    if _mod97(_leitweg_numeric(body) + match.group(3)) != 1:
        raise ValidationError(_("The check digits of the Leitweg-ID “%(value)s” are wrong.") % {"value": value},
                              code="leitweg_checksum")
    return value


_UMLAUTS = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue", "ẞ": "ss"}


def slugify_town(name: str) -> str:
    """Lowercase ASCII host label: ä→ae, ö→oe, ü→ue, ß→ss, spaces and punctuation→hyphens."""
    text = "".join(_UMLAUTS.get(ch, ch) for ch in name.strip())
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:63].rstrip("-")
