"""Reading uploads: JPEG images with EXIF GPS and time, and GPX tracks. Errors say what is wrong."""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from services.roads import conf, geo


class UploadError(ValueError):
    pass


@dataclass
class ImageInfo:
    lat: float
    lon: float
    captured_at: dt.datetime
    heading: float | None
    width: int
    height: int


def _ratio(value) -> float:
    return float(value.num) / float(value.den) if getattr(value, "den", 1) else float("nan")


def _dms(values, ref: str) -> float:
    d, m, s = (_ratio(v) for v in values)
    number = d + m / 60 + s / 3600
    return -number if ref in ("S", "W") else number


def read_image_info(data: bytes, name: str) -> ImageInfo:
    """Position, time and size of a JPEG, without decoding its pixels yet."""
    if len(data) > conf.MAX_IMAGE_BYTES:
        raise UploadError(_("%(name)s is larger than %(limit)s MB.") % {"name": name,
                                                                       "limit": conf.MAX_IMAGE_BYTES // 2**20})
    if not data.startswith(b"\xff\xd8\xff"):
        raise UploadError(_("%(name)s is not a JPEG image (expected JPEG photos with GPS in EXIF).") % {"name": name})
    import exifread
    from PIL import Image

    try:
        tags = exifread.process_file(io.BytesIO(data), details=False)
    except Exception:  # exifread raises many kinds on damaged headers
        raise UploadError(_("%(name)s has corrupt EXIF data.") % {"name": name}) from None
    try:
        lat = _dms(tags["GPS GPSLatitude"].values, str(tags.get("GPS GPSLatitudeRef", "N")))
        lon = _dms(tags["GPS GPSLongitude"].values, str(tags.get("GPS GPSLongitudeRef", "E")))
    except KeyError:
        raise UploadError(_("%(name)s has no GPS position in its EXIF data.") % {"name": name}) from None
    except (ValueError, TypeError, ZeroDivisionError, IndexError, AttributeError):
        raise UploadError(_("%(name)s has corrupt EXIF data.") % {"name": name}) from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180) or (
            lat == 0 and lon == 0):
        raise UploadError(_("%(name)s has an invalid GPS position.") % {"name": name})
    captured_at = _time(tags)
    if captured_at is None:
        raise UploadError(_("%(name)s has no capture time in its EXIF data.") % {"name": name})
    heading = None
    for key in ("GPS GPSImgDirection", "GPS GPSTrack"):
        if key in tags:
            try:
                heading = _ratio(tags[key].values[0]) % 360
            except (ValueError, TypeError, ZeroDivisionError, IndexError, AttributeError):
                heading = None
            break
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except Exception:
        raise UploadError(_("%(name)s is not a readable image.") % {"name": name}) from None
    if width * height > conf.MAX_IMAGE_PIXELS:
        raise UploadError(_("%(name)s has %(mp)s megapixels; at most %(limit)s are accepted.")
                          % {"name": name, "mp": round(width * height / 1e6, 1), "limit": conf.MAX_IMAGE_PIXELS // 10**6})
    return ImageInfo(lat=lat, lon=lon, captured_at=captured_at, heading=heading, width=width, height=height)


def _time(tags) -> dt.datetime | None:
    for key in ("EXIF DateTimeOriginal", "Image DateTime"):
        if key in tags:
            try:
                naive = dt.datetime.strptime(str(tags[key]).strip(), "%Y:%m:%d %H:%M:%S")
            except ValueError:
                continue
            return timezone.make_aware(naive)  # EXIF time is the camera's local time
    if "GPS GPSDate" in tags and "GPS GPSTimeStamp" in tags:
        try:
            day = dt.datetime.strptime(str(tags["GPS GPSDate"]).strip(), "%Y:%m:%d")
            h, m, s = (_ratio(v) for v in tags["GPS GPSTimeStamp"].values)
            return (day + dt.timedelta(hours=h, minutes=m, seconds=s)).replace(tzinfo=dt.UTC)
        except (ValueError, TypeError, ZeroDivisionError):
            return None
    return None


def decode_rgb(data: bytes, name: str):
    """Pixels as an RGB array, turned upright by the EXIF orientation."""
    import numpy as np
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = conf.MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except Exception:
        raise UploadError(_("%(name)s has damaged image data.") % {"name": name}) from None
    return np.asarray(upright)


def encode_jpeg(rgb) -> bytes:
    """JPEG without any metadata (the position is kept in the database, nothing else)."""
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=88, optimize=True)
    return out.getvalue()


@dataclass
class TrackInfo:
    coords: list  # [lon, lat, unix time or None]
    length_km: float
    started_at: dt.datetime | None


def read_gpx(data: bytes, name: str) -> TrackInfo:
    import gpxpy
    import gpxpy.gpx

    from core import uploads

    if not data.strip():
        raise UploadError(_("%(name)s is empty.") % {"name": name})
    try:
        uploads.check_size(data, uploads.limits())
        text = uploads.decode_text(data)
    except uploads.UploadRejected as error:
        raise UploadError(f"{name}: {error}") from None
    try:
        gpx = gpxpy.parse(text)
    except (gpxpy.gpx.GPXException, ValueError) as error:
        raise UploadError(_("%(name)s is not a valid GPX file: %(error)s") % {"name": name, "error": error}) from None
    points = [p for track in gpx.tracks for segment in track.segments for p in segment.points]
    points += [p for route in gpx.routes for p in route.points]
    if not points:
        raise UploadError(_("%(name)s contains no track points.") % {"name": name})
    coords = [[round(p.longitude, 7), round(p.latitude, 7), p.time.timestamp() if p.time else None] for p in points]
    length = sum(geo.haversine_m(a[0], a[1], b[0], b[1]) for a, b in zip(coords, coords[1:], strict=False))
    times = [p.time for p in points if p.time]
    return TrackInfo(coords=coords, length_km=round(length / 1000, 3), started_at=min(times) if times else None)
