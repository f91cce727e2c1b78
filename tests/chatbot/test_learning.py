"""The chatbot gets better with use: "Did you mean …?", question variants from citizens, similar entries merged."""

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from core.audit.models import AuditEntry
from services.chatbot.actions.knowledge import import_entries
from services.chatbot.actions.learning import merge_entries
from services.chatbot.models import DailyStat, Entry, EntryAlias, Message, Phrasing, SuggestedQuestion
from tests.conftest import host_client

from .conftest import TOWN_FAQ


def ask(town, question, **extra):
    response = host_client(town.host).post("/api/v1/chatbot/ask", {"question": question, **extra},
                                           content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def test_ambiguous_question_offers_candidates_and_the_pick_answers(town_faq):
    body = ask(town_faq, "Bürgerbüro")
    assert body["outcome"] == "suggested" and body["answered"] is False
    offered = {s["external_id"] for s in body["suggestions"]}
    assert offered == {"perso", "umzug"}
    assert body["escalation"]["offered"] is True and body["ai_generated"] is True

    citizen = host_client(town_faq.host)
    refused = citizen.post("/api/v1/chatbot/pick", {"conversation": body["conversation"], "message": body["message"],
                                                    "external_id": "hund"}, content_type="application/json")
    assert refused.status_code == 404  # not among the candidates
    picked = citizen.post("/api/v1/chatbot/pick", {"conversation": body["conversation"], "message": body["message"],
                                                   "external_id": "umzug"}, content_type="application/json")
    assert picked.status_code == 200
    answer = picked.json()
    assert answer["outcome"] == "answered" and "Wohnungsgeberbestätigung" in answer["answer"]
    with schema_context(town_faq.schema_name):
        stat = DailyStat.objects.get()
        assert (stat.questions, stat.suggested, stat.picked, stat.answered) == (1, 1, 1, 1)
        assert SuggestedQuestion.objects.get(text="Bürgerbüro").picked.external_id == "umzug"
        offer = Message.objects.get(pk=body["message"])
        assert offer.kind == Message.Kind.SUGGESTED and [s["picked"] for s in offer.sources if s["picked"]]


def test_unknown_question_is_not_turned_into_suggestions(town_faq):
    body = ask(town_faq, "Wann hat das Freibad im Sommer geöffnet?")
    assert body["outcome"] == "dont_know" and body["suggestions"] == []


def test_staff_add_a_citizens_wording_and_it_is_answered_directly(town_faq, member_factory):
    question = "Wo gebe ich Bescheid, wenn ich in eine andere Wohnung ziehe?"
    before = ask(town_faq, question)
    assert not (before["answered"] and before["sources"][0]["external_id"] == "umzug")
    staff = host_client(town_faq.host, member_factory(town_faq))
    response = staff.post("/chatbot/variants/add/", {"question": question, "external_id": "umzug",
                                                     "next": "/chatbot/analytics/"})
    assert response.status_code == 302 and response["Location"] == "/chatbot/analytics/"
    after = ask(town_faq, question)
    assert after["outcome"] == "answered" and after["sources"][0]["external_id"] == "umzug"
    with schema_context(town_faq.schema_name):
        variant = Phrasing.objects.get(text=question)
        assert variant.origin == Phrasing.Origin.CITIZEN and variant.embedding is not None
    assert AuditEntry.objects.filter(action="chatbot.kb.variant_added", town=town_faq).exists()
    page = staff.get("/chatbot/analytics/")
    assert page.status_code == 200 and "Hinzugefügte Varianten" in page.content.decode()


def test_unknown_entry_id_is_a_clear_message(town_faq, member_factory):
    staff = host_client(town_faq.host, member_factory(town_faq))
    response = staff.post("/chatbot/variants/add/", {"question": "Frage", "external_id": "gibt-es-nicht"},
                          follow=True)
    assert response.status_code == 200 and "gibt-es-nicht" in response.content.decode()
    with schema_context(town_faq.schema_name):
        assert not Phrasing.objects.filter(text="Frage").exists()


def test_add_variants_command_is_atomic_and_reports_rows(town_faq, tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("question\tfaq_id\nWo melde ich mich um?\tumzug\nWas kostet das?\tunbekannt\n\thund\n")
    with pytest.raises(CommandError, match="2 rows"):
        call_command("chatbot_add_variants", "--town", town_faq.ags, str(bad))
    with schema_context(town_faq.schema_name):
        assert not Phrasing.objects.filter(text="Wo melde ich mich um?").exists()
    good = tmp_path / "good.tsv"
    good.write_text("question\tfaq_id\nWo melde ich mich um?\tumzug\nHundemarke beantragen\thund\n")
    call_command("chatbot_add_variants", "--town", town_faq.ags, str(good))
    call_command("chatbot_add_variants", "--town", town_faq.ags, str(good))  # again: already known
    with schema_context(town_faq.schema_name):
        assert Phrasing.objects.filter(origin=Phrasing.Origin.CITIZEN).count() == 2


def test_similar_entries_are_flagged_and_one_merge_keeps_both_ids(town_faq, member_factory, tmp_path):
    twin = {"id": "perso-2", "question": "Wie beantrage ich einen neuen Personalausweis?",
            "answer": "Im Bürgerbüro, mit biometrischem Passfoto.", "variants": "Neuer Perso"}
    with schema_context(town_faq.schema_name):
        report = import_entries([*TOWN_FAQ, twin], actor="pytest", town=town_faq)
        assert report.ok and report.similar == 1
        flagged = Entry.objects.get(external_id="perso-2")
        assert flagged.similar_to.external_id == "perso"
        assert Entry.objects.get(external_id="hund").similar_to is None
    staff = host_client(town_faq.host, member_factory(town_faq))
    listing = staff.get("/chatbot/").content.decode()
    assert f"/chatbot/entries/{flagged.pk}/merge/" in listing and "ähnelt Eintrag perso" in listing
    response = staff.post(f"/chatbot/entries/{flagged.pk}/merge/")
    assert response.status_code == 302
    with schema_context(town_faq.schema_name):
        kept = Entry.objects.get(external_id="perso")
        assert {p.text for p in kept.phrasings.all()} >= {"Neuer Perso", "Personalausweis verloren"}
        assert EntryAlias.objects.get(external_id="perso-2").entry == kept
        assert not Entry.objects.filter(external_id="perso-2").exists()
        # The old id still works: importing it again leaves the merged entry alone, variants find it.
        again = import_entries([twin], actor="pytest", town=town_faq)
        assert again.ok and again.merged == 1 and not Entry.objects.filter(external_id="perso-2").exists()
    tsv = tmp_path / "variants.tsv"
    tsv.write_text("question\tfaq_id\nAusweis weg, was nun?\tperso-2\n")
    call_command("chatbot_add_variants", "--town", town_faq.ags, str(tsv))
    with schema_context(town_faq.schema_name):
        assert Phrasing.objects.get(text="Ausweis weg, was nun?").entry.external_id == "perso"
    assert AuditEntry.objects.filter(action="chatbot.kb.entries_merged", town=town_faq).exists()


def test_a_new_import_keeps_what_staff_added_and_the_editor_decides_over_all_variants(town_faq, member_factory):
    staff = host_client(town_faq.host, member_factory(town_faq))
    wording = "Mein Perso ist weg, was tun?"
    assert staff.post("/chatbot/variants/add/", {"question": wording, "external_id": "perso"}).status_code == 302
    twin = {"id": "perso-2", "question": "Personalausweis neu beantragen", "answer": "Im Bürgerbüro.",
            "variants": "Neuer Perso"}
    with schema_context(town_faq.schema_name):
        import_entries([twin], actor="pytest", town=town_faq)
        merge_entries(Entry.objects.get(external_id="perso"), Entry.objects.get(external_id="perso-2"),
                      actor="pytest", town=town_faq)
        before = {p.text: (p.pk, p.origin) for p in Phrasing.objects.filter(entry__external_id="perso")}
        assert before[wording][1] == Phrasing.Origin.CITIZEN
        assert before["Neuer Perso"][1] == before["Personalausweis neu beantragen"][1] == Phrasing.Origin.MERGED

        # The town imports its file again: a changed answer, one variant dropped from the file, one new.
        perso = {**TOWN_FAQ[0], "answer": "Im Bürgerbüro, Gebühr 37 Euro.",
                 "variants": "Personalausweis verloren | Ausweis beantragen"}
        report = import_entries([perso, twin], actor="pytest", town=town_faq)
        assert report.ok and report.updated == 1 and report.merged == 1
        after = {p.text: (p.pk, p.origin) for p in Phrasing.objects.filter(entry__external_id="perso")}
        assert set(after) == {TOWN_FAQ[0]["question"], "Personalausweis verloren", "Ausweis beantragen", wording,
                              "Neuer Perso", "Personalausweis neu beantragen"}
        # What stayed is the same row: its origin and its embedding were kept.
        for text in (wording, "Neuer Perso", "Personalausweis verloren", TOWN_FAQ[0]["question"]):
            assert after[text] == before[text]
        assert Phrasing.objects.get(text="Ausweis beantragen").embedding is not None
        entry = Entry.objects.get(external_id="perso")

    # The editor shows every variant, so one left out there is gone.
    form = staff.get(f"/chatbot/entries/{entry.pk}/").content.decode()
    assert wording in form and "Neuer Perso" in form
    response = staff.post(f"/chatbot/entries/{entry.pk}/", {
        "question": entry.question, "answer": "Im Bürgerbüro, Gebühr 37 Euro.",
        "variants": f"Personalausweis verloren\n{wording}", "link": entry.link, "department": entry.department})
    assert response.status_code == 302
    with schema_context(town_faq.schema_name):
        assert set(Entry.objects.get(external_id="perso").variants) == {"Personalausweis verloren", wording}
        assert Phrasing.objects.get(text=wording).origin == Phrasing.Origin.CITIZEN
