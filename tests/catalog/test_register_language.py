"""The public KI-Register of a newly onboarded town speaks German on the German page and English on the
English one; risk classes and statuses are words, dates German; JSON and CSV keep the codes beside the labels."""

import csv
import io
import re
from decimal import Decimal

from django.test import Client

from catalog.actions import save_offering, sync_catalogue
from catalog.actions.register import update_register_entry
from catalog.models import RegisterEntry, Service

from .conftest import subscribe_through_workflow

# Words of English that German text never uses (case-insensitive, whole words).
ENGLISH = {"the", "and", "of", "to", "is", "are", "with", "for", "from", "by", "on", "or", "not", "only", "when",
           "which", "that", "this", "its", "be", "answer", "answers", "question", "questions", "town", "towns",
           "data", "staff", "used", "person", "sensitive", "wrong", "knowledge", "base", "risk", "risks", "limited",
           "mitigations", "sources", "retired", "use", "since", "purpose", "legal", "human", "oversight", "provider",
           "contact", "none", "citizens", "entry", "impactful_algorithm", "in_use"}
GERMAN = {"und", "der", "die", "das", "mit", "nicht", "Datenquellen", "Risiken", "Gegenmaßnahmen"}


def _visible_text(html: str) -> str:
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<script.*?</script>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def _chatbot_town(make_town):
    sync_catalogue(actor="pytest")
    chatbot = Service.objects.get(key="chatbot")
    offering = save_offering({"provider": "Kreis-IT Musterland", "contract_title": "AVV Chatbot",
                              "contract_version": "2026-01", "price_model": "base_fee", "amount": Decimal("1200")},
                             actor="pytest", service=chatbot)
    town = make_town("Neustadt am Wald", contact_email="ki@neustadt.example")
    subscribe_through_workflow(town, offering)
    return town


def test_the_register_of_a_new_town_has_no_english_word_on_the_german_page(make_town):
    town = _chatbot_town(make_town)
    html = Client(HTTP_HOST=town.host, HTTP_ACCEPT_LANGUAGE="de").get("/ki-register/").content.decode()
    text = _visible_text(html)
    english = sorted({w for w in re.findall(r"[A-Za-z_]+", text) if w.lower() in ENGLISH})
    assert not english, f"English on the German register page: {english}\n{text}"
    assert {"Datenquellen", "Risiken", "Gegenmaßnahmen", "Begrenztes Risiko", "Im Einsatz"} <= set(
        re.findall(r"Datenquellen|Risiken|Gegenmaßnahmen|Begrenztes Risiko|Im Einsatz", text))
    assert re.search(r"Im Einsatz seit \d{1,2}\. [A-ZÄÖÜ][a-zäöü]+ \d{4}", text), text
    # Stored in German from the start (the pre-filled texts were English before).
    entry = RegisterEntry.objects.get(town=town)
    assert "Wissensbasis" in entry.texts["data_sources"] and "knowledge" not in entry.texts["risks"]


def test_the_english_page_is_english_and_the_machine_readable_forms_keep_codes(make_town):
    town = _chatbot_town(make_town)
    client = Client(HTTP_HOST=town.host)
    english = _visible_text(client.get("/ki-register/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "Limited risk" in english and "knowledge base" in english and "Datenquellen" not in english
    assert not {w for w in re.findall(r"\w+", english)} & {"Risiken", "Gegenmaßnahmen", "Wissensbasis"}
    data = client.get("/ki-register.json", HTTP_ACCEPT_LANGUAGE="de").json()
    [entry] = data["entries"]
    assert (entry["risk_class"], entry["status"], entry["publication_category"]) == (
        "limited", "in_use", "impactful_algorithm")
    assert entry["risk_class_label"].startswith("Begrenztes Risiko") and entry["status_label"] == "Im Einsatz"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry["start_date"])
    rows = list(csv.DictReader(io.StringIO(client.get("/ki-register.csv", HTTP_ACCEPT_LANGUAGE="de")
                                           .content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0]["risk_class"] == "limited" and rows[0]["risk_class_label"].startswith("Begrenztes Risiko")


def test_a_text_the_town_wrote_is_shown_as_written_in_both_languages(make_town):
    town = _chatbot_town(make_town)
    entry = RegisterEntry.objects.get(town=town)
    update_register_entry(entry, {"risks": "Falsche Auskunft zu Öffnungszeiten."}, actor="pytest")
    client = Client(HTTP_HOST=town.host)
    for language in ("de", "en"):
        assert "Falsche Auskunft zu Öffnungszeiten." in client.get("/ki-register/",
                                                                   HTTP_ACCEPT_LANGUAGE=language).content.decode()
