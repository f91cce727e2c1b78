"""Geotagged JPEGs for the tests (EXIF written with piexif)."""

from __future__ import annotations

import io
import random
from fractions import Fraction

import numpy as np
import piexif
from PIL import Image

from .sample import make_scene


def _rational(value: float, denominator: int = 10_000) -> tuple[int, int]:
    f = Fraction(value).limit_denominator(denominator)
    return (f.numerator, f.denominator)


def _dms(value: float):
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = (value - d - m / 60) * 3600
    return (_rational(d, 1), _rational(m, 1), _rational(s, 1000))


def geotagged_jpeg(rgb: np.ndarray | None = None, *, lon=11.28, lat=49.51, when="2026:04:10 09:30:00",
                   heading: float | None = 90.0, gps: bool = True, seed: int = 1) -> bytes:
    if rgb is None:
        rgb = make_scene(random.Random(seed)).rgb
    exif = {"0th": {}, "Exif": {piexif.ExifIFD.DateTimeOriginal: when.encode()}, "GPS": {}}
    if gps:
        exif["GPS"] = {piexif.GPSIFD.GPSLatitudeRef: b"N" if lat >= 0 else b"S", piexif.GPSIFD.GPSLatitude: _dms(lat),
                       piexif.GPSIFD.GPSLongitudeRef: b"E" if lon >= 0 else b"W",
                       piexif.GPSIFD.GPSLongitude: _dms(lon)}
        if heading is not None:
            exif["GPS"][piexif.GPSIFD.GPSImgDirectionRef] = b"T"
            exif["GPS"][piexif.GPSIFD.GPSImgDirection] = _rational(heading, 100)
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=92, exif=piexif.dump(exif))
    return out.getvalue()


def gpx(points, name="fahrt.gpx") -> bytes:
    body = "".join(f'<trkpt lat="{lat}" lon="{lon}"><time>2026-04-10T07:{i // 60:02d}:{i % 60:02d}Z</time></trkpt>'
                   for i, (lon, lat) in enumerate(points))
    return (f'<?xml version="1.0"?><gpx version="1.1" creator="tests" xmlns="http://www.topografix.com/GPX/1/1">'
            f"<trk><name>{name}</name><trkseg>{body}</trkseg></trk></gpx>").encode()
