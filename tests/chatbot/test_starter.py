"""What a new town's chatbot starts with: sensitive topics with help numbers, and a starter knowledge base."""

import pytest
from django_tenants.utils import schema_context

from services.chatbot.models import Case, Entry, SensitiveTopic
from services.chatbot.starter import DEFAULT_TOPICS, starter_rows
from tenants.models import Role

from ..conftest import host_client
from .test_api import ask


@pytest.mark.parametrize(("question", "numbers"), [
    ("Mein Partner schlägt mich, was kann ich tun?", ["116 016", "110"]),
    ("Ich habe Suizidgedanken und weiß nicht weiter", ["0800 111 0 111", "0800 111 0 222", "112"]),
    ("Notfall: mein Vater ist bewusstlos", ["112", "110"]),
])
def test_a_new_town_never_lets_the_machine_answer_violence_suicide_or_emergencies(town_faq, question, numbers):
    with schema_context(town_faq.schema_name):
        assert sorted(SensitiveTopic.objects.values_list("name", flat=True)) == sorted(
            topic["name"] for topic in DEFAULT_TOPICS)
    body = ask(town_faq, question).json()
    assert body["answered"] is False and body["escalation"]["case_opened"] is True
    assert all(number in body["answer"] for number in numbers), body["answer"]
    with schema_context(town_faq.schema_name):
        assert Case.objects.get().reason == "sensitive"


def test_ordinary_questions_are_not_caught_by_the_default_topics(town_faq):
    assert ask(town_faq, "Muss ich meinen Hund anmelden?").json()["answered"] is True


def test_staff_take_over_the_starter_knowledge_base_into_an_empty_one(town_a, member_factory):
    staff = member_factory(town_a, Role.TOWN_STAFF)
    client = host_client(town_a.host, staff)
    page = client.get("/chatbot/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Startvorlage übernehmen" in page
    response = client.post("/chatbot/import/starter/", HTTP_ACCEPT_LANGUAGE="de", follow=True)
    assert "Einträge der Startvorlage übernommen" in response.content.decode()
    with schema_context(town_a.schema_name):
        assert Entry.objects.count() == len(starter_rows()) and Entry.objects.filter(external_id="start-115").exists()
    # Only into an empty knowledge base: a second time changes nothing.
    again = client.post("/chatbot/import/starter/", HTTP_ACCEPT_LANGUAGE="de", follow=True).content.decode()
    assert "nur angeboten, solange die Wissensdatenbank leer ist" in again
    assert "Startvorlage übernehmen" not in client.get("/chatbot/", HTTP_ACCEPT_LANGUAGE="de").content.decode()


def test_readers_may_not_take_it_over(town_a, member_factory):
    reader = member_factory(town_a, Role.FINANCE)
    assert host_client(town_a.host, reader).post("/chatbot/import/starter/").status_code == 403
    with schema_context(town_a.schema_name):
        assert not Entry.objects.exists()
