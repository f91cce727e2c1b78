"""Road-condition data in a town's schema: network, surveys, captures, detections, grades, work orders.

Geometry is WGS 84 (EPSG:4326) longitude/latitude in ordinary columns; a segment's
bounding box uses PostgreSQL's ``box`` type with a GiST index. No PostGIS.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from services.roads.fields import BoxField


class DamageClass(models.TextChoices):
    """Classes of the Road Damage Dataset (RDD2022)."""

    LONGITUDINAL_CRACK = "D00", _("longitudinal crack")
    TRANSVERSE_CRACK = "D10", _("transverse crack")
    ALLIGATOR_CRACK = "D20", _("alligator crack")
    POTHOLE = "D40", _("pothole")


class NetworkImport(models.Model):
    source_name = models.CharField(_("file"), max_length=255)
    highway_classes = models.JSONField(default=list)
    segment_length_m = models.FloatField()
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    retired = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.source_name} ({self.imported_at:%Y-%m-%d})"


class Segment(models.Model):
    """A piece of a road (default 50 m), the unit that gets a grade."""

    # Stable across re-imports: "w<osm way id>:<piece>" (or the GeoJSON feature's id).
    key = models.CharField(max_length=100, unique=True)
    osm_way_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    name = models.CharField(_("road name"), max_length=255, blank=True)
    highway = models.CharField(_("road class"), max_length=40)
    length_m = models.FloatField(_("length (m)"))
    width_m = models.FloatField(_("width (m)"), null=True, blank=True)
    width_source = models.CharField(max_length=10, default="default")  # "osm" or "default"
    coords = models.JSONField(help_text="[[lon, lat], ...] in WGS 84")
    bbox = BoxField()
    geometry_hash = models.CharField(max_length=64)
    active = models.BooleanField(default=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    first_import = models.ForeignKey(NetworkImport, on_delete=models.PROTECT, related_name="+")
    last_import = models.ForeignKey(NetworkImport, on_delete=models.PROTECT, related_name="+")
    # The grade of the latest graded survey (denormalised from SegmentGrade for the map and lists).
    grade = models.FloatField(_("grade"), null=True, blank=True)
    graded_survey = models.ForeignKey("Survey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["key"]
        # The GiST index on bbox is created in the migration (Django has no index class for box).

    def __str__(self) -> str:
        return f"{self.name or self.highway} ({self.key})"

    @property
    def area_m2(self) -> float:
        return self.length_m * (self.width_m or 0)


class Survey(models.Model):
    """One pass over the network (e.g. a year's campaign); grades are versioned per survey."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class UploadBatch(models.Model):
    """A batch of captures sent in several requests; a client resumes by asking what arrived."""


    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="batches")
    name = models.CharField(max_length=200, blank=True)
    created_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name or str(self.token)


class Capture(models.Model):
    """An anonymised image. The original never reaches storage; only its digest is kept for resuming."""


    class Status(models.TextChoices):
        PUBLISHED = "published", _("published")
        REVIEW = "review", _("waiting for manual anonymisation review")
        WITHHELD = "withheld", _("withheld after review")

    batch = models.ForeignKey(UploadBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="captures")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="captures")
    original_sha256 = models.CharField(max_length=64, unique=True)
    image = models.FileField(upload_to="roads/captures/%Y/%m/")
    filename = models.CharField(max_length=255, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    lat = models.FloatField()
    lon = models.FloatField()
    heading = models.FloatField(null=True, blank=True)
    captured_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices)
    faces_blurred = models.PositiveIntegerField(default=0)
    plates_blurred = models.PositiveIntegerField(default=0)
    uncertain_regions = models.PositiveIntegerField(default=0)
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="captures")
    uploaded_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.CharField(max_length=200, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # Damage detection by the county's model: not yet / done.
    analysed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-captured_at", "-id"]

    def __str__(self) -> str:
        return self.filename or f"capture {self.pk}"


class Track(models.Model):
    """A GPX track of a survey drive: the kilometres surveyed."""


    batch = models.ForeignKey(UploadBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="tracks")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="tracks")
    digest = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=255, blank=True)
    coords = models.JSONField(help_text="[[lon, lat, unix time or null], ...]")
    length_km = models.FloatField()
    started_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename or f"track {self.pk}"


class Detection(models.Model):
    """A damage: the AI's (or vendor's) suggestion, kept unchanged beside the staff decision."""


    class Status(models.TextChoices):
        SUGGESTED = "suggested", _("suggested")
        CONFIRMED = "confirmed", _("confirmed")
        REJECTED = "rejected", _("rejected")

    class Source(models.TextChoices):
        MODEL = "model", _("county model")
        VENDOR = "vendor", _("vendor import")
        MANUAL = "manual", _("marked by staff")

    external_id = models.CharField(_("ID"), max_length=100)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="detections")
    source = models.CharField(max_length=10, choices=Source.choices)
    # Indexed only where set (see Meta): most detections come from vendors' files, without a capture.
    capture = models.ForeignKey(Capture, null=True, blank=True, on_delete=models.SET_NULL, related_name="detections",
                                db_index=False)
    image_ref = models.CharField(max_length=255, blank=True)
    # The suggestion (never overwritten by a decision).
    suggested_class = models.CharField(max_length=3, choices=DamageClass.choices)
    confidence = models.FloatField()
    # Pixel box in the capture, when there is one: [x1, y1, x2, y2].
    box = models.JSONField(null=True, blank=True)
    lat = models.FloatField()
    lon = models.FloatField()
    heading = models.FloatField(null=True, blank=True)
    captured_at = models.DateTimeField()
    width_m = models.FloatField(null=True, blank=True, help_text="extent across the road")
    # The decision.
    # Not indexed: three values, most rows "suggested"; two indexes to maintain on every bulk import.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUGGESTED)
    damage_class = models.CharField(max_length=3, choices=DamageClass.choices)
    hazard = models.BooleanField(default=False)
    decided_by = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    # Map matching.
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="detections")
    match_distance_m = models.FloatField(null=True, blank=True)
    # The network import it was matched against: a later import makes grading match it again.
    matched_import_id = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-captured_at", "-id"]
        # A constraint, not unique=True: no second (LIKE) index to maintain on bulk imports.
        constraints = [models.UniqueConstraint(fields=["external_id"], name="roads_detection_external_id_key")]
        indexes = [models.Index(fields=["capture"], name="roads_detection_capture_idx",
                                condition=models.Q(capture__isnull=False))]

    def __str__(self) -> str:
        return f"{self.damage_class} {self.external_id}"


class Decision(models.Model):
    """Who decided what about a detection, and when (the decision log)."""


    detection = models.ForeignKey(Detection, on_delete=models.CASCADE, related_name="decisions")
    action = models.CharField(max_length=20)  # confirmed, rejected, corrected, reopened
    from_status = models.CharField(max_length=10)
    to_status = models.CharField(max_length=10)
    from_class = models.CharField(max_length=3)
    to_class = models.CharField(max_length=3)
    actor = models.CharField(max_length=200)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.detection_id}"


class SegmentGrade(models.Model):
    """A segment's grade in one survey; a re-grade of the same survey replaces it, other surveys stay."""


    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="grades")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="grades")
    grade = models.FloatField()
    damage_share = models.FloatField(help_text="weighted damaged area / segment area")
    confirmed = models.PositiveIntegerField(default=0)
    suggested = models.PositiveIntegerField(default=0)
    method = models.CharField(max_length=40)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["segment", "survey"], name="roads_one_grade_per_survey")]

    def __str__(self) -> str:
        return f"{self.segment_id}/{self.survey_id}: {self.grade}"


class WorkOrder(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    number = models.PositiveIntegerField(unique=True)
    detection = models.ForeignKey(Detection, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="work_orders")
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    lat = models.FloatField()
    lon = models.FloatField()
    due_on = models.DateField(_("due date"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    repair_note = models.TextField(_("repair note"), blank=True)
    closed_by = models.CharField(max_length=200, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "due_on", "number"]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"


class RoadsSettings(models.Model):
    """One row per town (pk=1): unit costs of the repair measures (euros per m²)."""


    crack_sealing_eur_m2 = models.DecimalField(_("crack sealing (€/m²)"), max_digits=8, decimal_places=2,
                                               default=Decimal("12.00"))
    patching_eur_m2 = models.DecimalField(_("patching (€/m²)"), max_digits=8, decimal_places=2,
                                          default=Decimal("45.00"))
    surface_renewal_eur_m2 = models.DecimalField(_("surface renewal (€/m²)"), max_digits=8, decimal_places=2,
                                                 default=Decimal("95.00"))
    hazard_due_days = models.PositiveIntegerField(_("days to repair a hazard"), default=7)

    def __str__(self) -> str:
        return "road settings"

    @classmethod
    def current(cls) -> RoadsSettings:
        return cls.objects.get_or_create(pk=1)[0]


class Scenario(models.Model):
    name = models.CharField(_("name"), max_length=200)
    annual_budget_eur = models.DecimalField(_("annual budget (€)"), max_digits=12, decimal_places=2)
    years = models.PositiveSmallIntegerField(_("years"))
    result = models.JSONField(default=dict)
    created_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Job(models.Model):
    """A background job's progress (grading, damage detection), for the pages and the API."""


    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    kind = models.CharField(max_length=20)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.state}"
