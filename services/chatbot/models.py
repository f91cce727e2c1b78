"""The chatbot's data in a town's schema: knowledge base, conversations, cases, usage, statistics."""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _
from pgvector.django import HnswIndex, VectorField

EMBEDDING_DIM = 384


class ChatbotSettings(models.Model):
    """One row per town schema (pk=1): who may embed the widget, how long logs are kept."""

    allowed_origins = ArrayField(models.CharField(max_length=200), default=list, blank=True,
                                 verbose_name=_("website origins allowed to embed the chatbot"),
                                 help_text=_("One origin per line, e.g. https://www.musterstadt.de"))
    retention_days = models.PositiveIntegerField(_("keep conversations for (days)"), default=90)
    inbox_email = models.EmailField(_("notify this address of new cases"), blank=True)
    # Optional generative mode: a language model behind an OpenAI-compatible API (e.g. one the
    # county hosts) rephrases the retrieved entries. Off unless the town admin turns it on.
    generative_enabled = models.BooleanField(_("rephrase answers with a language model"), default=False)
    generative_base_url = models.URLField(
        _("base URL of the OpenAI-compatible API"), max_length=300, blank=True,
        help_text=_("For example https://ki.landkreis-musterland.de/v1"))
    generative_model = models.CharField(_("model name"), max_length=200, blank=True)
    generative_api_key = models.CharField(_("API key"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("chatbot settings")

    def __str__(self) -> str:
        return "chatbot settings"

    @classmethod
    def current(cls) -> ChatbotSettings:
        return cls.objects.get_or_create(pk=1)[0]


class SensitiveTopic(models.Model):
    """A topic the machine never answers (e.g. domestic violence, suicide): such questions go to a person."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    keywords = ArrayField(models.CharField(max_length=80), default=list, verbose_name=_("keywords"))
    message = models.TextField(_("message to the citizen"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sensitive topic")
        verbose_name_plural = _("sensitive topics")

    def __str__(self) -> str:
        return self.name


class LiveEntries(models.Manager):
    """Entries not in the recycle bin: what the chatbot answers from, lists and exports."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Entry(models.Model):
    external_id = models.CharField(_("ID"), max_length=100, unique=True)
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer"), help_text=_("Rich text; sanitised on save."))
    answer_text = models.TextField(editable=False, default="")
    link = models.URLField(_("source link"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    department = models.CharField(_("department"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    tags = ArrayField(models.CharField(max_length=60), default=list, blank=True, verbose_name=_("tags"))
    sensitive = models.BooleanField(_("sensitive: never answered by the machine"), default=False)
    sensitive_topic = models.ForeignKey(SensitiveTopic, null=True, blank=True, on_delete=models.SET_NULL,
                                        verbose_name=_("sensitive topic"))
    # Maintained by indexing.reindex(); weights: A question, B variants, C answer.
    search_vector = SearchVectorField(null=True, editable=False)
    # "passage: question + answer" embedding (multilingual-e5-small).
    embedding = VectorField(dimensions=EMBEDDING_DIM, null=True, editable=False)
    # A near-identical entry found when this one was imported or saved ("resembles entry 24"), for
    # staff to merge or dismiss; ``similarity`` is the cosine of the two questions (or answers).
    similar_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("resembles"))
    similarity = models.FloatField(null=True, blank=True)
    similarity_dismissed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # In the recycle bin since then (restorable until conf.TRASH_DAYS later, then purged); never answered.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    deleted_by = models.CharField(max_length=150, blank=True, editable=False)

    all_objects = models.Manager()
    objects = LiveEntries()

    class Meta:
        ordering = ["external_id"]
        default_manager_name = "objects"
        base_manager_name = "all_objects"
        verbose_name = _("knowledge-base entry")
        verbose_name_plural = _("knowledge-base entries")
        indexes = [
            GinIndex(fields=["search_vector"], name="chatbot_entry_fts"),
            # The passages nearest a question (pseudo-relevance feedback) and its candidates (retrieval.py).
            HnswIndex(fields=["embedding"], name="chatbot_entry_hnsw", m=16, ef_construction=64,
                      opclasses=["vector_cosine_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.external_id}: {self.question[:60]}"

    @property
    def variants(self) -> list[str]:
        return [p.text for p in self.phrasings.all() if not p.is_primary]


class EntryAlias(models.Model):
    """The external id of an entry merged into another: links, imports and exports by that id keep working."""

    external_id = models.CharField(_("ID"), max_length=100, unique=True)
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="aliases")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["external_id"]

    def __str__(self) -> str:
        return f"{self.external_id} → {self.entry_id}"


class Phrasing(models.Model):
    """One way of asking an entry's question: the question itself (primary) and each variant."""

    class Origin(models.TextChoices):
        KNOWLEDGE_BASE = "kb", _("knowledge base")
        CITIZEN = "citizen", _("a citizen's question, added by staff")
        MERGED = "merged", _("from an entry merged into this one")

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="phrasings")
    text = models.TextField()
    is_primary = models.BooleanField(default=False)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.KNOWLEDGE_BASE)
    added_at = models.DateTimeField(null=True, blank=True)
    norm = models.TextField(default="", editable=False)  # lower-cased, unaccented: for trigram similarity
    embedding = VectorField(dimensions=EMBEDDING_DIM, null=True, editable=False)  # "query: text"

    class Meta:
        ordering = ["-is_primary", "pk"]
        indexes = [
            # Approximate nearest neighbours: the candidates of the dense signal (retrieval.py).
            # An exact scan of 5,000 phrasings took 5-6 ms, the index under 1 ms.
            HnswIndex(fields=["embedding"], name="chatbot_phrasing_hnsw", m=16, ef_construction=64,
                      opclasses=["vector_cosine_ops"]),
        ]

    def __str__(self) -> str:
        return self.text


class Term(models.Model):
    """How many entries each full-text lexeme occurs in (``ts_stat``), kept by ``indexing``.

    A term found in many entries says little about which one a question means
    (its inverse document frequency is low) and would make the full-text
    candidate search rank thousands of rows: such terms only score, they do not
    nominate candidates (retrieval.py).
    """

    lexeme = models.TextField(primary_key=True)
    entries = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.lexeme} ({self.entries})"


class Conversation(models.Model):
    """A citizen's chat; the token is the only key to it (no account, no cookie needed)."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    language = models.CharField(max_length=8, default="de")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_activity = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return str(self.token)


class Message(models.Model):
    class Kind(models.TextChoices):
        QUESTION = "question", _("question")
        ANSWER = "answer", _("answer")
        DONT_KNOW = "dont_know", _("not answered")
        SUGGESTED = "suggested", _("did you mean …?")
        ESCALATED = "escalated", _("handed to a person")
        STAFF = "staff", _("staff reply")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.TextField()
    in_reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(Entry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sources = models.JSONField(default=list, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    rating = models.SmallIntegerField(null=True, blank=True)  # +1 helpful, -1 not helpful
    # Worded by the town's language model from the sources (generative mode), not an entry's text.
    generated = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text[:60]}"


class Case(models.Model):
    """An escalated question in the staff inbox."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ANSWERED = "answered", _("answered")
        CLOSED = "closed", _("closed")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="cases")
    question = models.TextField(_("question"))
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_consent = models.BooleanField(_("consent to be contacted"), default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    reason = models.CharField(max_length=20, blank=True)  # citizen | sensitive | low_confidence
    reply = models.TextField(_("reply"), blank=True)
    replied_by = models.CharField(max_length=150, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    entry = models.ForeignKey(Entry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.question[:60]


class UsageRecord(models.Model):
    """Answered questions, once each; the billing sync reads these (see metering.py)."""

    idempotency_key = models.CharField(max_length=200, unique=True)
    service = models.CharField(max_length=40, default="chatbot")
    unit = models.CharField(max_length=40)
    quantity = models.PositiveIntegerField(default=1)
    occurred_at = models.DateTimeField(db_index=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["occurred_at"]

    def __str__(self) -> str:
        return self.idempotency_key


class DailyStat(models.Model):
    """Counters per day; no personal data, so they outlive the conversation logs."""

    day = models.DateField(unique=True)
    questions = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    suggested = models.PositiveIntegerField(default=0)  # "Did you mean …?" offered
    picked = models.PositiveIntegerField(default=0)  # … and one of the candidates chosen
    escalations = models.PositiveIntegerField(default=0)
    helpful = models.PositiveIntegerField(default=0)
    not_helpful = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return str(self.day)


class UnansweredQuestion(models.Model):
    """Questions the machine could not answer, scrubbed of e-mail addresses and numbers, counted."""

    text = models.CharField(max_length=300, unique=True)
    count = models.PositiveIntegerField(default=0)
    last_asked = models.DateField()

    class Meta:
        ordering = ["-count", "-last_asked"]

    def __str__(self) -> str:
        return self.text


class SuggestedQuestion(models.Model):
    """Questions answered with "Did you mean …?", scrubbed of personal data, with the entry the citizen chose.

    Staff turn them into question variants of the right entry (``learning.add_variant``).
    """

    text = models.CharField(max_length=300)
    picked = models.ForeignKey(Entry, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    count = models.PositiveIntegerField(default=0)
    last_asked = models.DateField()

    class Meta:
        ordering = ["-count", "-last_asked"]
        constraints = [models.UniqueConstraint(fields=["text"], name="chatbot_suggested_unique_text")]

    def __str__(self) -> str:
        return self.text
