"""What the chatbot service declares about itself, for the catalogue and the KI-Register.

Plain data on purpose: the service registry (issue #4) is built on another
branch. Once it lands, ``ChatbotConfig.ready()`` registers ``DESCRIPTOR``
there; nothing else needs to change. Texts are lazy so they follow the
request's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MeteringUnit:
    key: str
    name: object
    minutes_saved_per_unit: float
    description: object = ""


@dataclass(frozen=True)
class ServiceDescriptor:
    key: str
    name: dict[str, str]
    description: object
    version: str
    metering_units: tuple[MeteringUnit, ...]
    ai_act_risk_class: str
    ai_act_basis: str
    data_categories: tuple[object, ...]
    processors: tuple[dict[str, str], ...]
    data_location: str
    human_oversight: object
    register_texts: dict[str, object] = field(default_factory=dict)
    celery_tasks: tuple[str, ...] = ()


ANSWERED_QUESTION = "answered_question"

DESCRIPTOR = ServiceDescriptor(
    key="chatbot",
    name={"de": "Bürger-Chatbot", "en": "Citizen chatbot"},
    description=_("Answers citizens' questions on the town website from the town's own knowledge base, "
                  "labels every answer as AI-generated and hands over to a person on request."),
    version="1.0.0",
    metering_units=(
        MeteringUnit(ANSWERED_QUESTION, _("answered question"), minutes_saved_per_unit=4,
                     description=_("A citizen question the machine answered from the knowledge base "
                                   "(escalations and 'don't know' replies are not counted).")),
    ),
    ai_act_risk_class="limited",
    ai_act_basis="EU AI Act Art. 50 (transparency obligations for systems interacting with natural persons)",
    data_categories=(
        _("questions typed by citizens (free text, may contain personal data the citizen chooses to give)"),
        _("contact e-mail address, only with explicit consent when asking for a person"),
        _("ratings of answers"),
        _("the town's knowledge base (public information)"),
    ),
    processors=({"name": "Betreiber des KI-Verbunds (Kreis-IT)", "role": "Auftragsverarbeiter (Art. 28 DSGVO)",
                 "location": "Deutschland"},),
    data_location="Deutschland (Rechenzentrum des Betreibers); Sprachmodell läuft lokal, keine Übermittlung an Dritte",
    human_oversight=_("The chatbot answers only with texts from the town's knowledge base that staff wrote or "
                      "approved. When it is unsure, or the question concerns a sensitive topic, it does not answer "
                      "but offers a person; staff answer escalated questions in their inbox and decide which "
                      "replies become knowledge-base entries."),
    register_texts={
        "purpose": _("Answering frequent questions of citizens around the clock on the town website."),
        "legal_basis": _("Art. 6(1)(e) GDPR in conjunction with the town's duty to inform its citizens; "
                         "contact data only with consent (Art. 6(1)(a) GDPR)."),
        "how_it_works": _("A multilingual language model (multilingual-e5-small, run on the platform's own "
                          "servers) and full-text search find the knowledge-base entry closest to the question. "
                          "The chatbot does not generate free text; it shows the entry's answer and its source."),
        "retention": _("Conversations are deleted after 90 days (configurable); statistics hold no personal data."),
        "training": _("Citizens' inputs are not used to train any model."),
    },
    celery_tasks=("chatbot.purge_expired_conversations",),
)
