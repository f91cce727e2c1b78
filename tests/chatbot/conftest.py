from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from devtools.shared import shared_dir
from services.chatbot.actions.knowledge import import_entries
from services.chatbot.formats import read_rows
from tests.catalog.conftest import subscribe_to_service, subscribing

DATA = shared_dir() / "data" / "chatbot"

# A small municipal knowledge base written for these tests (not from any benchmark file).
TOWN_FAQ = [
    {"id": "perso", "question": "Wie beantrage ich einen neuen Personalausweis?",
     "answer": "<p>Den Personalausweis beantragen Sie persönlich im <strong>Bürgerbüro</strong>. Bringen Sie ein "
               "biometrisches Passfoto und Ihren alten Ausweis mit. Die Gebühr beträgt 37 Euro.</p>",
     "link": "https://www.amtsdorf.de/buergerbuero", "department": "Bürgerbüro",
     "variants": "Personalausweis verloren | Ausweis abgelaufen"},
    {"id": "hund", "question": "Muss ich meinen Hund anmelden?",
     "answer": "Ja, jeder Hund muss innerhalb von zwei Wochen bei der Steuerstelle zur Hundesteuer angemeldet werden.",
     "link": "https://www.amtsdorf.de/hundesteuer", "department": "Steueramt", "tags": "Steuern, Hund"},
    {"id": "muell", "question": "Wann wird der Sperrmüll abgeholt?",
     "answer": "Sperrmüll wird auf Anmeldung abgeholt; melden Sie den Termin online oder telefonisch beim "
               "Abfallwirtschaftsbetrieb an.", "link": "https://www.amtsdorf.de/abfall", "department": "Abfall"},
    {"id": "kita", "question": "Wie bekomme ich einen Kitaplatz für mein Kind?",
     "answer": "Melden Sie Ihr Kind über das Kita-Portal der Stadt an. Der Rechtsanspruch gilt ab dem ersten "
               "Geburtstag.", "link": "https://www.amtsdorf.de/kita", "department": "Jugendamt"},
    {"id": "umzug", "question": "Ich bin umgezogen. Wo melde ich meinen neuen Wohnsitz an?",
     "answer": "Melden Sie sich innerhalb von zwei Wochen nach dem Einzug im Bürgerbüro an. Mitzubringen sind "
               "Ausweis und Wohnungsgeberbestätigung.", "link": "https://www.amtsdorf.de/ummelden",
     "department": "Bürgerbüro"},
    {"id": "baum", "question": "Darf ich einen Baum auf meinem Grundstück fällen?",
     "answer": "Für Bäume ab 80 cm Stammumfang brauchen Sie nach der Baumschutzsatzung eine Genehmigung.",
     "link": "https://www.amtsdorf.de/baumschutz", "department": "Umweltamt"},
]


def subscribe_to_chatbot(town) -> None:
    """An active chatbot subscription through the real workflow (the service answers only then)."""
    subscribe_to_service(town, "chatbot", title="AVV Chatbot", amount=Decimal("24000.00"))


@pytest.fixture
def make_town(make_town):
    return subscribing(make_town, subscribe_to_chatbot)


@pytest.fixture
def committed_town(committed_town):
    return subscribing(committed_town, subscribe_to_chatbot)


@pytest.fixture
def town_faq(town_a):
    with schema_context(town_a.schema_name):
        report = import_entries(TOWN_FAQ, actor="pytest", town=town_a)
    assert report.ok, report.errors
    return town_a


@pytest.fixture
def faq_file() -> Path:
    path = DATA / "faq_de.tsv"
    # The shared data is part of the project's fixtures: its absence is a failure, never a skip
    # (CI would otherwise pass without ever importing a real knowledge base).
    assert path.is_file(), f"shared data missing: {path} (needs the project's shared/ folder beside the repository)"
    return path


def load_faq(path: Path) -> list[dict]:
    return read_rows(path.read_bytes(), path.name)
