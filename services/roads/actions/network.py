"""Import (or re-import) the town's road network and split it into segments."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.audit.log import actor_name, log_action
from services.roads import conf, geo
from services.roads.models import NetworkImport, Segment
from services.roads.sources import DEFAULT_WIDTH_M, NetworkFileError, read_network


@dataclass
class Piece:
    key: str
    osm_way_id: int | None
    name: str
    highway: str
    length_m: float
    width_m: float | None
    width_source: str
    coords: list
    bbox: tuple
    geometry_hash: str


def pieces_of(ways, segment_length_m: float) -> list[Piece]:
    pieces = []
    for way in ways:
        line = geo.line_to_metric(way.coords)
        if line.length < 0.5:
            continue
        width, source = (way.width_m, "osm") if way.width_m else (DEFAULT_WIDTH_M.get(way.highway, 5.0), "default")
        for index, part in enumerate(geo.split_line(line, segment_length_m)):
            coords = geo.line_to_wgs84(part)
            pieces.append(Piece(key=f"{way.key}:{index}", osm_way_id=way.osm_way_id, name=way.name,
                                highway=way.highway, length_m=round(part.length, 2), width_m=width,
                                width_source=source, coords=coords, bbox=geo.bbox(coords),
                                geometry_hash=geo.geometry_hash(coords)))
    return pieces


def import_network(data: bytes, filename: str, *, actor, town, classes=None,
                   segment_length_m: float | None = None) -> NetworkImport:
    """Read, split and store the network in one transaction; raises NetworkFileError on bad input.

    Segments keep their id (and so their detections and grades) when the same way comes again;
    a way whose geometry changed is updated in place; segments no longer in the file are retired,
    not deleted, so their history stays.
    """
    classes = list(classes or conf.HIGHWAY_CLASSES)
    segment_length_m = float(segment_length_m or conf.SEGMENT_LENGTH_M)
    if not 5 <= segment_length_m <= 1000:
        raise NetworkFileError("segment length must be between 5 and 1000 m")
    pieces = pieces_of(read_network(data, filename, classes), segment_length_m)
    if not pieces:
        raise NetworkFileError(f"{filename} contains no road long enough to keep.")
    seen: dict[str, Piece] = {}
    for piece in pieces:
        seen.setdefault(piece.key, piece)
    with transaction.atomic():
        run = NetworkImport.objects.create(source_name=filename[:255], highway_classes=classes,
                                           segment_length_m=segment_length_m, imported_by=actor_name(actor))
        existing = {s.key: s for s in Segment.objects.all()}
        before = {k: (s.name, s.highway, s.width_m, s.osm_way_id) for k, s in existing.items()}
        now = timezone.now()
        created, changed, unchanged = [], [], []
        for key, piece in seen.items():
            segment = existing.get(key)
            fields = dict(osm_way_id=piece.osm_way_id, name=piece.name, highway=piece.highway,
                          length_m=piece.length_m, width_m=piece.width_m, width_source=piece.width_source,
                          coords=piece.coords, bbox=piece.bbox, geometry_hash=piece.geometry_hash)
            if segment is None:
                created.append(Segment(key=key, first_import=run, last_import=run, **fields))
                continue
            same_geometry = segment.geometry_hash == piece.geometry_hash
            for name, value in fields.items():
                setattr(segment, name, value)
            segment.last_import, segment.active, segment.retired_at = run, True, None
            (unchanged if same_geometry else changed).append(segment)
        retired = [s for key, s in existing.items() if key not in seen and s.active]
        for segment in retired:
            segment.active, segment.retired_at = False, now
        Segment.objects.bulk_create(created, batch_size=2000)
        update_fields = ["osm_way_id", "name", "highway", "length_m", "width_m", "width_source", "coords", "bbox",
                         "geometry_hash", "last_import", "active", "retired_at"]
        Segment.objects.bulk_update(changed, update_fields, batch_size=500)
        # Unchanged geometry: one statement for all of them; names, classes and widths only where they changed.
        Segment.objects.filter(pk__in=[s.pk for s in unchanged]).update(last_import=run, active=True, retired_at=None)
        renamed = [s for s in unchanged if (s.name, s.highway, s.width_m, s.osm_way_id) != before[s.key]]
        Segment.objects.bulk_update(renamed, ["name", "highway", "width_m", "width_source", "osm_way_id"],
                                    batch_size=500)
        Segment.objects.filter(pk__in=[s.pk for s in retired]).update(active=False, retired_at=now)
        run.created, run.updated, run.unchanged, run.retired = len(created), len(changed), len(unchanged), len(retired)
        run.save(update_fields=["created", "updated", "unchanged", "retired"])
        log_action("roads.network.imported", actor=actor, town=town, file=filename[:255], created=run.created,
                   updated=run.updated, unchanged=run.unchanged, retired=run.retired)
        from services.roads.actions.jobs import enqueue_grading

        enqueue_grading()
    return run
