"""What a new town's chatbot starts with: sensitive topics with help numbers, and a starter knowledge base.

The topics are created in every newly onboarded town's schema (``ServiceDescriptor.town_starter``): a
question about violence, suicide or an emergency is never answered by the machine; the citizen reads the
help numbers at once and the question goes to a person. Staff may edit the topics in the settings.

The starter knowledge base (``starter_faq.tsv`` beside this module, the project's own texts on nationwide
rules) is offered on the empty knowledge-base page: staff take it over with one click and adapt it, so
nothing reaches citizens that no one in the town has seen.
"""

from __future__ import annotations

from pathlib import Path

STARTER_FAQ = Path(__file__).with_name("starter_faq.tsv")

# Keywords match as in ``sensitive.matching_topic``: five letters or more inside words, shorter ones at a
# word's start. Texts are German: they are data of a German town, edited by its staff.
DEFAULT_TOPICS = (
    {
        "name": "Gewalt und Bedrohung",
        "keywords": ["gewalt", "schlägt mich", "geschlagen", "misshandelt", "vergewaltigt", "bedroht mich",
                     "stalking"],
        "message": "Wenn Sie Gewalt erleben oder bedroht werden, sind Sie nicht allein. Das Hilfetelefon "
                   "„Gewalt gegen Frauen“ ist rund um die Uhr erreichbar: 116 016 (kostenlos, anonym, in vielen "
                   "Sprachen). In akuter Gefahr rufen Sie die Polizei: 110. Ihre Frage geben wir an eine Person "
                   "in der Verwaltung weiter.",
    },
    {
        "name": "Suizidgedanken und seelische Krisen",
        "keywords": ["suizid", "selbstmord", "umbringen", "lebensmüde", "nicht mehr leben", "will sterben",
                     "selbstverletz"],
        "message": "Wenn Sie an Suizid denken oder in einer seelischen Krise sind: Die Telefonseelsorge ist rund "
                   "um die Uhr kostenlos und anonym für Sie da: 0800 111 0 111 oder 0800 111 0 222. In akuter "
                   "Gefahr wählen Sie den Notruf 112. Ihre Frage geben wir an eine Person in der Verwaltung "
                   "weiter.",
    },
    {
        "name": "Notfälle",
        "keywords": ["notfall", "notruf", "lebensgefahr", "brennt", "bewusstlos", "herzinfarkt", "atmet nicht"],
        "message": "Dieser Chat ist kein Notruf. In einem Notfall rufen Sie sofort an: Rettungsdienst und "
                   "Feuerwehr 112, Polizei 110. Den ärztlichen Bereitschaftsdienst erreichen Sie unter 116 117.",
    },
)


def seed(town) -> dict:
    """Runs in the new town's schema; topics a town already has (by name) stay as they are."""
    from services.chatbot.models import SensitiveTopic

    created = 0
    for topic in DEFAULT_TOPICS:
        _topic, made = SensitiveTopic.objects.get_or_create(name=topic["name"], defaults={
            "keywords": list(topic["keywords"]), "message": topic["message"]})
        created += made
    return {"sensitive_topics": created}


def starter_rows() -> list[dict]:
    from services.chatbot.formats import read_rows

    return read_rows(STARTER_FAQ.read_bytes(), STARTER_FAQ.name)
