"""Citizen-feedback data in a town's schema: projects, contributions, topics, analysis runs, decisions.

Every AI output that feeds a decision has two columns: the machine's ``*_suggested`` value and
the person's ``*_decided`` value. Re-running the analysis writes only the suggestions; the
effective value is the decision where there is one. ``Decision`` logs each human change.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from pgvector.django import VectorField

TOPIC_VECTOR_DIM = 512


class Sentiment(models.TextChoices):
    POSITIVE = "positive", _("positive")
    NEGATIVE = "negative", _("negative")
    NEUTRAL = "neutral", _("neutral")


class Project(models.Model):
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("open from"), null=True, blank=True)
    ends_on = models.DateField(_("open until"), null=True, blank=True)
    is_public = models.BooleanField(_("public: citizens may submit contributions"), default=False)
    # Optional area as a bounding box in WGS 84 (south, west, north, east): centres the maps.
    area = ArrayField(models.FloatField(), size=4, null=True, blank=True, verbose_name=_("area"))
    fixed_topics = models.PositiveSmallIntegerField(_("number of topics (empty: automatic)"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("participation project")
        verbose_name_plural = _("participation projects")

    def __str__(self) -> str:
        return self.title


class Topic(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="topics")
    label_suggested = models.CharField(max_length=200, blank=True)
    label_decided = models.CharField(_("name"), max_length=200, blank=True)
    keywords = ArrayField(models.CharField(max_length=80), default=list, blank=True)
    is_other = models.BooleanField(default=False)
    # A topic a person named, created, merged into or split: kept across runs as an anchor.
    shaped_by_person = models.BooleanField(default=False)
    representative_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["is_other", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_decided or self.label_suggested


class Contribution(models.Model):
    class Source(models.TextChoices):
        IMPORT = "import", _("import")
        FORM = "form", _("public form")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="contributions")
    external_id = models.CharField(_("ID"), max_length=100)
    title = models.CharField(_("title"), max_length=300, blank=True)
    text = models.TextField(_("text"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, db_index=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.IMPORT)
    contact_email = models.EmailField(blank=True)  # only with the citizen's consent
    contact_consent = models.BooleanField(default=False)
    # Computed once at import: lemmas for keywords, one multilingual vector (USE) for topics, sentiment and
    # near-duplicates.
    lemmas = models.TextField(default="", editable=False)
    normalised = models.TextField(default="", editable=False)
    topic_vector = VectorField(dimensions=TOPIC_VECTOR_DIM, null=True, editable=False)

    topic_suggested = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    topic_decided = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sentiment_suggested = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    sentiment_confidence = models.FloatField(null=True, blank=True)
    sentiment_decided = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    duplicate_of_suggested = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                               related_name="+")
    campaign = models.BooleanField(default=False)
    duplicate_reviewed = models.BooleanField(default=False)
    duplicate_of_decided = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                             related_name="+")
    spam_suggested = models.BooleanField(default=False)
    spam_reason = models.CharField(max_length=60, blank=True)
    spam_decided = models.BooleanField(null=True, blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["project", "external_id"], name="feedback_contribution_id")]

    def __str__(self) -> str:
        return f"{self.external_id}: {self.text[:60]}"

    @property
    def topic_id_effective(self):
        return self.topic_decided_id or self.topic_suggested_id

    @property
    def sentiment(self) -> str:
        return self.sentiment_decided or self.sentiment_suggested

    @property
    def duplicate_of_id_effective(self):
        return self.duplicate_of_decided_id if self.duplicate_reviewed else self.duplicate_of_suggested_id

    @property
    def spam(self) -> bool:
        return self.spam_suggested if self.spam_decided is None else self.spam_decided

    @property
    def reviewed(self) -> bool:
        return self.reviewed_at is not None


class AnalysisRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    stage = models.CharField(max_length=120, blank=True)
    requested_topics = models.PositiveSmallIntegerField(null=True, blank=True)
    requested_by = models.CharField(max_length=150, blank=True)
    parameters = models.JSONField(default=dict, blank=True)  # model, k, thresholds: for the method disclosure
    results = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status})"


class Decision(models.Model):
    """One human decision on a suggestion: who, when, what changed (the review log)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="decisions")
    contribution = models.ForeignKey(Contribution, null=True, blank=True, on_delete=models.SET_NULL)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=60)  # e.g. feedback.sentiment.corrected
    field = models.CharField(max_length=30)
    suggested = models.CharField(max_length=300, blank=True)
    before = models.CharField(max_length=300, blank=True)
    after = models.CharField(max_length=300, blank=True)
    actor = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor}"


class UsageRecord(models.Model):
    """What the town was billed for, kept in its own schema under billing's idempotency key."""

    idempotency_key = models.CharField(max_length=200, unique=True)
    unit = models.CharField(max_length=40)
    quantity = models.PositiveIntegerField()
    occurred_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.idempotency_key
