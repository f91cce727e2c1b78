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
]


@pytest.mark.parametrize(("question", "expected"), PARAPHRASES)
def test_paraphrases_find_their_entry(town_faq, question, expected):
    with schema_context(town_faq.schema_name):
        result = search(question)
        top = Entry.objects.get(pk=result.hits[0].entry_id)
    assert top.external_id == expected, [(h.entry_id, round(h.score, 3)) for h in result.hits]
