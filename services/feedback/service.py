"""What the feedback service declares about itself, for the catalogue, billing and the KI-Register."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from catalog.registry import MenuItem, MeteringUnit, Processor, RiskClass, ServiceDescriptor

CONTRIBUTION_ANALYSED = "contribution_analysed"

DESCRIPTOR = ServiceDescriptor(
    key="feedback",
    name=_("Citizen-feedback analysis"),
    description=_("Groups the contributions of a participation process into topics with keywords, suggests a "
                  "sentiment, finds duplicates, campaign copies and spam, and leaves every decision to staff; "
                  "with a map, a timeline and a council report."),
    version="1.0.0",
    # Reading and sorting one contribution by hand takes a few minutes (first analysis only is billed).
    units=(MeteringUnit(CONTRIBUTION_ANALYSED, _("contribution analysed"), minutes_saved=Decimal(3)),),
    # Supports staff in reading contributions; every suggestion is reviewed by a person (no Annex III use).
    risk_class=RiskClass.MINIMAL,
    data_categories=(
        _("free-text contributions of citizens to participation processes (may contain personal data)"),
        _("optional location of a contribution"),
        _("contact e-mail address, only with explicit consent"),
        _("staff decisions on topics, sentiment, duplicates and spam"),
    ),
    processors=(Processor(name="Betreiber des KI-Verbunds (Kreis-IT)", role="Auftragsverarbeiter (Art. 28 DSGVO)",
                          location="Deutschland"),),
    data_location="Deutschland (Rechenzentrum des Betreibers); alle Modelle laufen lokal, keine Übermittlung an Dritte",
    human_oversight=_("The analysis only suggests: topics, labels, sentiments, duplicates and spam flags stay "
                      "suggestions until staff confirm or correct them. The suggestion and the person's decision "
                      "are stored side by side, every decision is logged, and a new analysis never overwrites a "
                      "decision. Reports say which results people confirmed."),
    register_defaults={
        "purpose": _("Helping staff read and sort the contributions of citizen participation processes."),
        "legal_basis": _("Art. 6(1)(e) GDPR in conjunction with the legal basis of the participation process; "
                         "contact data only with consent (Art. 6(1)(a) GDPR)."),
        "how_it_works": _("A multilingual language model (Universal Sentence Encoder multilingual), run on the "
                          "platform's own servers, turns each contribution into a vector. k-means clustering "
                          "groups the vectors into topics (the number chosen by the silhouette unless staff fix it); keywords come from "
                          "German lemmas (class-based TF-IDF); unclear contributions go to 'Other'. A logistic "
                          "regression trained on German example sentences written for the platform and on the "
                          "town's own confirmed decisions suggests positive, negative or neutral. Near-identical "
                          "texts are grouped as duplicates or campaigns; rules flag likely spam."),
        "retention": _("Contributions are kept as long as the town keeps the participation project; deleting "
                       "the project deletes them."),
        "training": _("Contributions are not used to train models outside the town; the town's own review "
                      "decisions tune the suggestions for that town only."),
        "data_sources": _("Contributions imported by staff or submitted by citizens through the public form."),
        "risks": _("Wrong topic or sentiment suggestions; minority views lumped into large topics or 'Other'; "
                   "sarcasm and irony misread; personal data in free text."),
        "mitigations": _("Suggestions are marked as such until staff review them; 'Other' collects unclear "
                         "contributions instead of forcing them into topics; the council report discloses the "
                         "method, its parameters, how much people confirmed and the limits."),
    },
    permissions=(),  # every member reads; the views ask for town staff or admins where they change things
    urls="services.feedback.urls",
    api_urls="services.feedback.api_urls",
    menu=(MenuItem(label=_("Citizen feedback"), url_name="feedback:index"),),
    dashboard="services.feedback.dashboard.dashboard",
    demo_seed="services.feedback.demo.seed",
)
