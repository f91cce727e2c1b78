"""Reading a road network from OpenStreetMap (.osm.pbf, .osm, .osm.gz) or GeoJSON.

Both give ``RoadWay`` objects; the import action splits them into segments. Bad
files raise ``NetworkFileError`` with a message for the person who chose the file.
"""

from __future__ import annotations

import io
import re
import tempfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

from core import uploads

# A way that is closed to the public is no road of the town's network.
_NOT_PUBLIC = {"private", "no", "customers", "delivery", "agricultural", "forestry"}
_WIDTH = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*(m|meter|metre)?\s*$", re.IGNORECASE)

# Carriageway width where OSM says nothing: typical values of the RASt 06 cross-sections.
DEFAULT_WIDTH_M = {
    "primary": 7.0, "primary_link": 5.0, "secondary": 6.5, "secondary_link": 5.0, "tertiary": 6.0,
    "tertiary_link": 5.0, "unclassified": 5.0, "residential": 5.5, "living_street": 4.5, "service": 3.5,
    "motorway": 11.0, "motorway_link": 5.5, "trunk": 8.0, "trunk_link": 5.5,
}


class NetworkFileError(ValueError):
    pass


@dataclass
class RoadWay:
    key: str  # stable id of the way: "w<osm id>" or the GeoJSON feature's id
    osm_way_id: int | None
    name: str
    highway: str
    width_m: float | None
    coords: list[tuple[float, float]]


def parse_width(value) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value) if 1 <= value <= 60 else None
    match = _WIDTH.match(str(value))
    if not match:
        return None
    width = float(match.group(1).replace(",", "."))
    return width if 1 <= width <= 60 else None


def _keep(tags, classes) -> bool:
    return (tags.get("highway") in classes and tags.get("access", "") not in _NOT_PUBLIC
            and tags.get("area") != "yes")


OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2")
GEOJSON_SUFFIXES = (".geojson", ".json")


def read_network(data: bytes, filename: str, classes) -> list[RoadWay]:
    """Read within the platform's upload limits (core.uploads), with the road service's own size limits."""
    from services.roads import conf

    name = filename.lower()
    if not data:
        raise NetworkFileError(_("The file %(name)s is empty.") % {"name": filename})
    limit = uploads.limits(max_bytes=conf.MAX_NETWORK_BYTES, max_unpacked_bytes=conf.MAX_NETWORK_UNPACKED_BYTES)
    try:
        uploads.check_size(data, limit)
        if name.endswith(GEOJSON_SUFFIXES):
            ways = read_geojson(uploads.load_json(data, limit), classes)
        elif name.endswith((".osm.gz", ".osm.bz2")):
            ways = read_osm(_unpacked(data, name, limit), "network.osm", classes)
        elif name.endswith(OSM_SUFFIXES):
            ways = read_osm(data, name, classes)
        else:
            raise NetworkFileError(_("%(name)s is neither OpenStreetMap (.osm.pbf, .osm, .osm.gz) nor GeoJSON.")
                                   % {"name": filename})
    except uploads.UploadRejected as error:
        raise NetworkFileError(str(error)) from None
    if not ways:
        raise NetworkFileError(_("%(name)s contains no roads of the classes %(classes)s.")
                               % {"name": filename, "classes": ", ".join(classes)})
    return ways


def read_osm(data: bytes, name: str, classes) -> list[RoadWay]:
    import osmium

    suffix = next(s for s in OSM_SUFFIXES if name.endswith(s))
    classes = set(classes)
    ways: list[RoadWay] = []
    # libosmium reads files by name and picks the format from the suffix.
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            processor = (osmium.FileProcessor(tmp.name, osmium.osm.NODE | osmium.osm.WAY).with_locations()
                         .with_filter(osmium.filter.KeyFilter("highway")))
            for obj in processor:
                if not obj.is_way() or not _keep(obj.tags, classes):
                    continue
                try:
                    coords = [(node.lon, node.lat) for node in obj.nodes]
                except osmium.InvalidLocationError:
                    continue  # a way cut by the extract's border: its missing nodes are outside
                coords = _dedupe(coords)
                if len(coords) < 2:
                    continue
                tags = obj.tags
                ways.append(RoadWay(key=f"w{obj.id}", osm_way_id=obj.id, name=tags.get("name", "")[:255],
                                    highway=tags.get("highway"),
                                    width_m=parse_width(tags.get("width") or tags.get("est_width")),
                                    coords=coords))
        except RuntimeError as error:
            raise NetworkFileError(_("The OpenStreetMap file cannot be read: %(error)s") % {"error": error}) from None
    return ways


def _unpacked(data: bytes, name: str, limit: uploads.Limits) -> bytes:
    """A compressed .osm file unpacked, stopping at the unpacked-size limit and refusing a decompression bomb."""
    import bz2
    import gzip

    opener = gzip.GzipFile if name.endswith(".gz") else bz2.BZ2File
    bound = min(limit.max_unpacked_bytes, limit.max_ratio * len(data))
    try:
        with opener(fileobj=io.BytesIO(data)) as stream:
            out = stream.read(bound + 1)
    except (OSError, EOFError, ValueError) as error:
        raise NetworkFileError(_("The OpenStreetMap file cannot be read: %(error)s") % {"error": error}) from None
    if len(out) > bound:
        raise uploads.UploadRejected(
            _("The file unpacks to more than %(limit)s MB or more than %(ratio)s times its size; it is refused.")
            % {"limit": f"{limit.max_unpacked_bytes / 1_000_000:g}", "ratio": limit.max_ratio})
    return out


def read_geojson(doc, classes) -> list[RoadWay]:
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise NetworkFileError(_("The GeoJSON file must be a FeatureCollection."))
    classes = set(classes)
    ways = []
    for number, feature in enumerate(doc["features"], start=1):
        props = (feature or {}).get("properties") or {}
        geometry = (feature or {}).get("geometry") or {}
        highway = props.get("highway") or props.get("class") or ""
        if highway and highway not in classes:
            continue
        if geometry.get("type") == "LineString":
            parts = [geometry.get("coordinates")]
        elif geometry.get("type") == "MultiLineString":
            parts = geometry.get("coordinates")
        else:
            continue
        osm_id = props.get("osm_way_id") or props.get("osm_id")
        try:
            osm_id = int(osm_id) if osm_id not in (None, "") else None
        except (TypeError, ValueError):
            osm_id = None
        base = str(feature.get("id") or props.get("id") or (f"w{osm_id}" if osm_id else f"f{number}"))
        for index, part in enumerate(parts or []):
            try:
                coords = _dedupe([(float(p[0]), float(p[1])) for p in part])
            except (TypeError, ValueError, IndexError):
                raise NetworkFileError(_("Feature %(n)s has invalid coordinates.") % {"n": number}) from None
            if any(not (-180 <= x <= 180 and -90 <= y <= 90) for x, y in coords):
                raise NetworkFileError(_("Feature %(n)s has coordinates outside WGS 84 (EPSG:4326).") % {"n": number})
            if len(coords) < 2:
                continue
            ways.append(RoadWay(key=base if len(parts) == 1 else f"{base}.{index}", osm_way_id=osm_id,
                                name=str(props.get("name") or "")[:255], highway=highway or "unclassified",
                                width_m=parse_width(props.get("width") or props.get("width_m")), coords=coords))
    return ways


def _dedupe(coords):
    out = []
    for c in coords:
        if not out or out[-1] != c:
            out.append(c)
    return out

