"""What the chatbot service declares about itself: the one place the platform learns of it.

``ChatbotConfig.service`` carries it, so the service registry finds it like a pretix plugin: the
catalogue, billing and the KI-Register read it, the platform mounts its pages at /chatbot/ and its
API at /api/v1/chatbot/, lists it in subscribed towns' menus, schedules its retention task and runs
its demo seed. Texts are lazy so they follow the request's language.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from catalog.registry import MenuItem, MeteringUnit, PeriodicTask, Processor, RiskClass, ServiceDescriptor
from services.chatbot import conf

ANSWERED_QUESTION = "answered_question"

DESCRIPTOR = ServiceDescriptor(
    key="chatbot",
    name=_("Citizen chatbot"),
    description=_("Answers citizens' questions on the town website from the town's own knowledge base, "
                  "labels every answer as AI-generated and hands over to a person on request."),
    version="1.0.0",
    units=(MeteringUnit(ANSWERED_QUESTION, _("answered question"), minutes_saved=Decimal(4)),),
    # EU AI Act Art. 50: transparency obligations for systems interacting with natural persons.
    risk_class=RiskClass.LIMITED,
    data_categories=(
        _("questions typed by citizens (free text, may contain personal data the citizen chooses to give)"),
        _("contact e-mail address, only with explicit consent when asking for a person"),
        _("ratings of answers"),
        _("the town's knowledge base (public information)"),
    ),
    processors=(Processor(name="Betreiber des KI-Verbunds (Kreis-IT)", role="Auftragsverarbeiter (Art. 28 DSGVO)",
                          location="Deutschland"),),
    data_location="Deutschland (Rechenzentrum des Betreibers); Sprachmodell läuft lokal, keine Übermittlung an Dritte",
    human_oversight=_("The chatbot answers only with texts from the town's knowledge base that staff wrote or "
                      "approved. When it is unsure, or the question concerns a sensitive topic, it does not answer "
                      "but offers a person; staff answer escalated questions in their inbox and decide which "
                      "replies become knowledge-base entries."),
    register_defaults={
        "purpose": _("Answering frequent questions of citizens around the clock on the town website."),
        "legal_basis": _("Art. 6(1)(e) GDPR in conjunction with the town's duty to inform its citizens; "
                         "contact data only with consent (Art. 6(1)(a) GDPR)."),
        "how_it_works": _("A multilingual language model (multilingual-e5-small, run on the platform's own "
                          "servers) and full-text search find the knowledge-base entry closest to the question. "
                          "The chatbot does not generate free text; it shows the entry's answer and its source."),
        "retention": _("Conversations are deleted after 90 days (configurable); statistics hold no personal data."),
        "training": _("Citizens' inputs are not used to train any model."),
        "data_sources": _("The town's own knowledge base (questions, answers, sources written or approved by "
                          "staff) and the questions citizens type."),
        "risks": _("A wrong or outdated answer; a question about a sensitive matter answered by a machine; "
                   "personal data typed into the chat."),
        "mitigations": _("Answers only from the curated knowledge base with its source; an honest 'I don't "
                         "know' below a calibrated confidence; sensitive topics always go to a person; every "
                         "answer is labelled as AI-generated and offers a person; conversations are deleted "
                         "after the retention period."),
    },
    permissions=(),  # every member of the town; the views ask for editors and admins where they change things
    urls="services.chatbot.urls",
    api_urls="services.chatbot.api_urls",
    menu=(MenuItem(label=_("Chatbot"), url_name="chatbot:entries"),),
    periodic_tasks=(PeriodicTask(name="chatbot-retention", task="chatbot.purge_expired_conversations",
                                 seconds=conf.RETENTION_INTERVAL_SECONDS),
                    PeriodicTask(name="chatbot-recycle-bin", task="chatbot.purge_deleted_entries",
                                 seconds=conf.TRASH_INTERVAL_SECONDS)),
    dashboard="services.chatbot.dashboard.dashboard",
    demo_seed="services.chatbot.demo.seed",
    town_starter="services.chatbot.starter.seed",
)
