"""The entry editor: ids made automatically, answers written as formatted text with a preview, errors by field."""

from django.core.cache import cache
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.chatbot.models import Entry
from services.chatbot.richtext import to_html, to_markup
from tenants.models import Role

from ..conftest import host_client


def editor(town, member_factory):
    cache.clear()
    return host_client(town.host, member_factory(town, Role.TOWN_STAFF, "redaktion"))


def test_a_new_entry_gets_its_id_from_its_question_and_never_a_taken_one(town_faq, member_factory):
    staff = editor(town_faq, member_factory)
    form = staff.get("/chatbot/entries/new/").content.decode()
    assert 'name="external_id"' not in form and "bekommt seine ID" in form
    for _ in range(2):
        assert staff.post("/chatbot/entries/new/", {"question": "Wo finde ich das Fundbüro?",
                                                    "answer": "Im Rathaus, Zimmer 3."}).status_code == 302
    with schema_context(town_faq.schema_name):
        ids = sorted(Entry.objects.filter(question="Wo finde ich das Fundbüro?").values_list("external_id", flat=True))
    assert ids == ["wo-finde-ich-das-fundburo", "wo-finde-ich-das-fundburo-2"]


def test_the_answer_is_written_as_formatted_text_and_previewed_before_saving(town_faq, member_factory):
    staff = editor(town_faq, member_factory)
    markup = ("Bringen Sie mit:\n\n- Ausweis\n- **Foto** ([Hinweise](https://www.amtsdorf.de/foto))\n\n"
              "Alles <script>alert(1)</script> *vorab* online.")
    preview = staff.post("/chatbot/entries/new/", {"question": "Was brauche ich für den Pass?", "answer": markup,
                                                   "preview": "1"})
    page = preview.content.decode()
    assert preview.status_code == 200 and "Vorschau der Antwort" in page
    assert "<li><strong>Foto</strong> (<a href=\"https://www.amtsdorf.de/foto\"" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    with schema_context(town_faq.schema_name):
        assert not Entry.objects.filter(question="Was brauche ich für den Pass?").exists()
    assert staff.post("/chatbot/entries/new/", {"question": "Was brauche ich für den Pass?",
                                                "answer": markup}).status_code == 302
    with schema_context(town_faq.schema_name):
        entry = Entry.objects.get(question="Was brauche ich für den Pass?")
    assert entry.answer.startswith("<p>Bringen Sie mit:</p><ul><li>Ausweis</li>") and "<em>vorab</em>" in entry.answer
    # Editing shows the formatted text again, not HTML, and keeps the id.
    edit = staff.get(f"/chatbot/entries/{entry.pk}/").content.decode()
    assert "- **Foto** ([Hinweise](https://www.amtsdorf.de/foto))" in edit and "&lt;ul&gt;" not in edit
    assert f"ID in Import- und Exportdateien: {entry.external_id}" in edit
    staff.post(f"/chatbot/entries/{entry.pk}/", {"question": "Was brauche ich für den Reisepass?", "answer": markup})
    with schema_context(town_faq.schema_name):
        assert Entry.objects.get(pk=entry.pk).external_id == entry.external_id


def test_errors_stand_next_to_their_field_in_formal_german(town_faq, member_factory):
    staff = editor(town_faq, member_factory)
    response = staff.post("/chatbot/entries/new/", {"question": "Gibt es WLAN im Rathaus?", "answer": "   ",
                                                    "valid_from": "2026-12-01", "valid_until": "2026-11-01"})
    page = response.content.decode()
    assert response.status_code == 400
    answer = page.index('id="id_answer"')
    assert "Bitte füllen Sie dieses Feld aus." in page[answer - 600:answer] or \
        "Bitte schreiben Sie eine Antwort." in page[answer - 600:answer]
    until = page.index('id="id_valid_until"')
    assert "„Gültig bis“ liegt vor „gültig ab“." in page[until - 400:until]


def test_imported_html_answers_open_as_formatted_text(town_faq, member_factory):
    staff = editor(town_faq, member_factory)
    with schema_context(town_faq.schema_name):
        pk = Entry.objects.get(external_id="perso").pk
    page = staff.get(f"/chatbot/entries/{pk}/").content.decode()
    assert "im **Bürgerbüro**. Bringen Sie" in page


WORDS = st.sampled_from(["Wort", "Rathaus", "**fett**", "*kursiv*", "[Link](https://a.de/x)", "5*3", "a_b", "<b>",
                         "&", "Gebühr:", "\\*"])
LINES = st.lists(WORDS, min_size=1, max_size=6).map(" ".join)
BLOCKS = st.one_of(
    st.lists(LINES, min_size=1, max_size=3).map("\n".join),
    st.lists(LINES, min_size=1, max_size=3).map(lambda lines: "\n".join(f"- {line}" for line in lines)),
    st.lists(LINES, min_size=1, max_size=3).map(lambda lines: "\n".join(f"1. {line}" for line in lines)),
    LINES.map(lambda line: f"### {line}"),
    st.lists(LINES, min_size=1, max_size=2).map(lambda lines: "\n".join(f"> {line}" for line in lines)),
)


@given(st.lists(BLOCKS, max_size=5).map("\n\n".join))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_formatted_text_survives_a_round_trip_through_html(markup):
    html = to_html(markup)
    assert to_html(to_markup(html)) == html
