"""Retrieval finds the right entry for paraphrases, in the town's own knowledge base only."""

import pytest
from django_tenants.utils import schema_context

from services.chatbot.models import Entry
from services.chatbot.retrieval import search

PARAPHRASES = [
    ("Mein Perso ist abgelaufen, was tun?", "perso"),
    ("Wo bekomme ich einen neuen Ausweis?", "perso"),
    ("Hundesteuer anmelden", "hund"),
    ("Wir haben einen Welpen bekommen, muss der angemeldet werden?", "hund"),
    ("Abholung von alten Möbeln", "muell"),
    ("Betreuungsplatz Kindergarten", "kita"),
    ("Umzug ummelden", "umzug"),
    ("Brauche ich eine Genehmigung, um eine Eiche im Garten zu fällen?", "baum"),
    # Misspelt: no full-text match; the embeddings find them (trigrams only score).
    ("Persnalausweis verlorn", "perso"),
    ("Sperrmül abholen lasen", "muell"),
]


@pytest.mark.parametrize(("question", "expected"), PARAPHRASES)
def test_paraphrases_find_their_entry(town_faq, question, expected):
    with schema_context(town_faq.schema_name):
        result = search(question)
    assert result.hits[0].entry.external_id == expected, [(h.entry.external_id, round(h.score, 3))
                                                          for h in result.hits]


def test_term_counts_follow_the_knowledge_base(town_faq):
    from services.chatbot.actions.knowledge import delete_entry
    from services.chatbot.models import Term

    with schema_context(town_faq.schema_name):
        counts = dict(Term.objects.values_list("lexeme", "entries"))
        # "burgerburo" (unaccented, stemmed): in the entries perso and umzug.
        assert counts["burgerburo"] == 2 and counts["hundesteu"] == 1
        assert Term.objects.filter(lexeme__startswith="wohnungsgeb").count() == 1  # only in umzug
        delete_entry(Entry.objects.get(external_id="umzug"), actor="pytest", town=town_faq)
        assert Term.objects.get(lexeme="burgerburo").entries == 1
        assert not Term.objects.filter(lexeme__startswith="wohnungsgeb").exists()
        assert dict(Term.objects.values_list("lexeme", "entries")) == _recount()


def _recount() -> dict[str, int]:
    """Every lexeme's entry count, straight from the entries (what chatbot_term must hold)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM chatbot_entry WHERE deleted_at IS NULL')")
        return dict(cursor.fetchall())


def test_terms_in_many_entries_score_but_do_not_nominate(town_faq, monkeypatch):
    """Full text nominates candidates only by terms in few entries; the embeddings nominate the rest."""
    from core import embedding
    from services.chatbot import retrieval

    monkeypatch.setattr(retrieval, "CANDIDATES", 1)  # one candidate per signal
    tree = embedding.embed_query("Darf ich einen Baum auf meinem Grundstück fällen?")

    def nominated(question):
        with schema_context(town_faq.schema_name):
            return {h.entry.external_id for h in search(question, vector=tree).hits}

    # "Bürgerbüro" is in two of the six entries: informative under the usual limit (20 entries) ...
    assert nominated("Bürgerbüro") & {"perso", "umzug"}
    monkeypatch.setattr(retrieval, "COMMON_MIN", 1)
    # ... common when a term may be in one entry only: then only the embeddings' candidate is left.
    assert nominated("Bürgerbüro") == {"baum"}
    assert nominated("Wohnungsgeberbestätigung") == {"baum", "umzug"}


def test_reindex_command_embeds_whole_answers_again(town_faq):
    from django.core.management import call_command

    from core import embedding
    from services.chatbot.indexing import PASSAGE_CHARS

    with schema_context(town_faq.schema_name):
        entry = Entry.objects.get(external_id="perso")
        Entry.objects.filter(pk=entry.pk).update(embedding=embedding.embed_passages(["veraltet"])[0])
    call_command("chatbot_reindex", "--town", town_faq.ags)
    with schema_context(town_faq.schema_name):
        stored = Entry.objects.get(pk=entry.pk).embedding
        fresh = embedding.embed_passages([f"{entry.question}\n{entry.answer_text}"], chars=PASSAGE_CHARS)[0]
        assert sum(a * b for a, b in zip(stored, fresh, strict=True)) > 0.999
        assert search("Mein Perso ist abgelaufen, was tun?").hits[0].entry.external_id == "perso"


@pytest.mark.django_db
def test_reindex_command_refuses_an_unknown_town():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="09999999"):
        call_command("chatbot_reindex", "--town", "09999999")


STREETS = ["Lindenallee", "Am Mühlbach", "Birkenweg", "Kastanienring", "Schillerstraße", "Goethestraße",
           "Eichendorffweg", "Hauptstraße", "Bahnhofstraße", "Kirchgasse", "Rosenhang", "Ulmenpfad"]


def test_exact_rare_terms_stay_findable(town_a):
    """Street names and fees decide among entries that read alike to the embeddings."""
    from services.chatbot.actions.knowledge import import_entries

    rows = [{"id": f"strasse-{n}", "question": f"Wann wird die {street} gereinigt?",
             "answer": f"Die Straßenreinigung in der {street} ist jeden {n % 5 + 1}. Werktag im Monat. "
                       f"Die Gebühr beträgt {12 + n},{n * 7 % 100:02d} Euro im Jahr; Änderungen mit Formular SR-{n:02d}."}
            for n, street in enumerate(STREETS)]
    with schema_context(town_a.schema_name):
        assert import_entries(rows, actor="pytest", town=town_a).ok
        for question, expected in [("Straßenreinigung Kastanienring", "strasse-3"),
                                   ("Wann kommt die Kehrmaschine in die Eichendorffweg?", "strasse-6"),
                                   ("Wofür sind 22,70 Euro im Jahr?", "strasse-10")]:
            hits = search(question).hits
            assert hits[0].entry.external_id == expected, (question, [h.entry.external_id for h in hits])


def test_dense_signals_name_their_best_candidate(town_faq):
    """Each hit says whether it is the best candidate by both the phrasing and the passage cosine."""
    with schema_context(town_faq.schema_name):
        clear = search("Mein Personalausweis ist abgelaufen, was muss ich tun?", limit=6).hits
        vague = search("Bürgerbüro", limit=6).hits
    assert clear[0].entry.external_id == "perso" and clear[0].dense_best
    assert not any(h.dense_best for h in clear[1:])
    for hits in (clear, vague):
        best_q = max(hits, key=lambda h: h.dense_q)
        best_p = max(hits, key=lambda h: h.dense_p)
        assert [h.dense_best for h in hits] == [h is best_q and h is best_p for h in hits]


def test_confidence_is_lower_when_the_dense_signals_disagree():
    """The lead over the runner-up sets the confidence; two signals naming different best entries lower it,
    a question written as one of the best entry's phrasings keeps full confidence."""
    from services.chatbot.retrieval import DISAGREEMENT_FACTOR, Hit, confidence

    def hits(*, best: bool, trgm: float = 0.3) -> list[Hit]:
        return [Hit(Entry(external_id="a"), 0.9, 0.0, trgm, 0.95, 0.93, dense_best=best),
                Hit(Entry(external_id="b"), 0.4, 0.0, 0.3, 0.90, 0.94, dense_best=False)]

    agreed = confidence(hits(best=True))
    assert 0.5 < agreed < 1
    assert confidence(hits(best=False)) == pytest.approx(agreed * DISAGREEMENT_FACTOR)
    assert confidence(hits(best=False, trgm=1.0)) == 1.0
    assert confidence([]) == 0.0
