"""Optional generative mode: the town's language model words answers from the retrieved entries only.

The model server is an OpenAI-compatible HTTP server on loopback (``llm_server.py``):
the product's real client talks the real protocol to it.
"""

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

from billing.models import UsageEvent
from core.audit.models import AuditEntry
from services.chatbot import conf
from services.chatbot.actions import configure
from services.chatbot.models import ChatbotSettings, Message, SensitiveTopic
from tenants.models import Role

from ..conftest import host_client
from .llm_server import ModelServer
from .test_api import ask

QUESTION = "Mein Personalausweis ist abgelaufen, was muss ich tun?"
PERSO_START = "Den Personalausweis beantragen Sie persönlich im Bürgerbüro"


@pytest.fixture
def model_server():
    server = ModelServer()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def generative_town(town_faq, model_server):
    with schema_context(town_faq.schema_name):
        configure.configure_generative_mode(enabled=True, base_url=model_server.base_url, model="kreis-llm-7b",
                                            api_key="geheim-123", actor="pytest", town=town_faq)
    return town_faq


def test_off_by_default_the_entry_text_is_shown_and_no_model_is_asked(town_faq, model_server):
    body = ask(town_faq, QUESTION).json()
    assert body["answered"] is True and body["generated"] is False
    assert body["answer"].startswith("<p>Den Personalausweis beantragen Sie persönlich im <strong>Bürgerbüro")
    assert "cited" not in body["sources"][0]
    assert model_server.requests == []
    with schema_context(town_faq.schema_name):
        assert ChatbotSettings.current().generative_enabled is False


def test_generated_answer_cites_the_retrieved_sources_and_is_labelled(generative_town, model_server):
    body = ask(generative_town, QUESTION).json()
    assert body["answered"] is True and body["generated"] is True
    assert body["answer"].startswith(f"<p>Gern helfe ich Ihnen: {PERSO_START}") and body["answer"].endswith(
        " [1]</p>")
    assert body["ai_generated"] is True
    assert "KI-Sprachmodell" in body["ai_notice"] and "Quellen" in body["ai_notice"]
    assert body["escalation"]["offered"] is True and body["escalation"]["label"] == "Mit einem Menschen sprechen"
    assert body["sources"][0]["external_id"] == "perso" and body["sources"][0]["cited"] is True
    assert [s["cited"] for s in body["sources"][1:]] == [False] * (len(body["sources"]) - 1)

    # What the model saw: the question and the retrieved entries, numbered as the sources, nothing else.
    (request,) = model_server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["authorization"] == "Bearer geheim-123"
    assert request["body"]["model"] == "kreis-llm-7b" and request["body"]["temperature"] == 0
    system, user = request["body"]["messages"]
    assert system["role"] == "system" and "ausschließlich" in system["content"] and "Amtsdorf" in system["content"]
    excerpts = ModelServer.excerpts(request["body"]["messages"])
    assert [(number, question) for number, question, _ in excerpts] == [
        (number, source["question"]) for number, source in enumerate(body["sources"], start=1)]
    assert ModelServer.question(request["body"]["messages"]) == QUESTION
    other_entries = ("Sperrmüll", "Kitaplatz", "Baum")
    assert not any(word in user["content"] for word in other_entries if word not in
                   " ".join(s["question"] for s in body["sources"]))

    with schema_context(generative_town.schema_name):
        message = Message.objects.get(pk=body["message"])
    assert message.generated is True and message.entry.external_id == "perso"
    conversation = host_client(generative_town.host).get(
        f"/api/v1/chatbot/conversations/{body['conversation']}").json()
    assert conversation["messages"][-1]["generated"] is True and conversation["messages"][-1]["ai_generated"] is True


def test_generated_answers_are_metered_once_like_any_answer(generative_town, model_server):
    body = ask(generative_town, QUESTION).json()
    assert body["generated"] is True
    assert UsageEvent.objects.filter(town=generative_town, service="chatbot", unit="answered_question").count() == 1


@pytest.mark.parametrize("behaviour", ["no_answer", "uncited", "foreign_citation", "error", "garbage"])
def test_a_model_that_misbehaves_falls_back_to_the_entry_text(generative_town, model_server, behaviour):
    model_server.behaviour = behaviour
    body = ask(generative_town, QUESTION).json()
    assert len(model_server.requests) == 1
    assert body["answered"] is True and body["generated"] is False
    assert body["answer"].startswith("<p>Den Personalausweis beantragen Sie")
    assert "cited" not in body["sources"][0]
    assert "KI-Sprachmodell" not in body["ai_notice"]


def test_a_slow_model_falls_back_after_the_timeout(generative_town, model_server, monkeypatch):
    monkeypatch.setattr(conf, "GENERATIVE_TIMEOUT", 0.5)
    model_server.behaviour, model_server.slow_seconds = "slow", 3
    body = ask(generative_town, QUESTION).json()
    assert body["answered"] is True and body["generated"] is False and "Bürgerbüro" in body["answer"]


def test_an_unreachable_endpoint_falls_back(town_faq):
    with schema_context(town_faq.schema_name):
        configure.configure_generative_mode(enabled=True, base_url="http://127.0.0.1:9/v1", model="m",
                                            api_key=None, actor="pytest", town=town_faq)
    body = ask(town_faq, QUESTION).json()
    assert body["answered"] is True and body["generated"] is False


def test_markup_from_the_model_is_escaped(generative_town, model_server):
    model_server.behaviour = "script"
    body = ask(generative_town, QUESTION).json()
    assert body["generated"] is True
    assert "<script>" not in body["answer"] and "&lt;script&gt;" in body["answer"]


def test_the_model_is_not_asked_when_the_chatbot_does_not_know_or_the_topic_is_sensitive(generative_town,
                                                                                         model_server):
    unknown = ask(generative_town, "Wann hat das Freibad im Sommer geöffnet?").json()
    assert unknown["answered"] is False and unknown["generated"] is False
    with schema_context(generative_town.schema_name):
        SensitiveTopic.objects.create(name="Gewalt", keywords=["Gewalt"])
    sensitive = ask(generative_town, "Wo finde ich Hilfe bei häuslicher Gewalt und einen neuen Personalausweis?")
    assert sensitive.json()["answered"] is False and sensitive.json()["escalation"]["case_opened"] is True
    assert model_server.requests == []


def test_english_questions_get_english_instructions(generative_town, model_server):
    body = ask(generative_town, QUESTION, language="en").json()
    assert body["generated"] is True
    system = model_server.requests[0]["body"]["messages"][0]["content"]
    assert "in English" in system and "only information from the numbered excerpts" in system
    assert "language model" in body["ai_notice"]


def test_town_admin_turns_it_on_in_the_settings_the_key_stays_secret(town_faq, member_factory, model_server):
    admin = host_client(town_faq.host, member_factory(town_faq, Role.TOWN_ADMIN, "buergermeisterin"))
    form = {"generative-generative_enabled": "on", "generative-generative_base_url": model_server.base_url,
            "generative-generative_model": "kreis-llm-7b", "generative-api_key": "geheim-456"}
    missing = admin.post("/chatbot/settings/", {**form, "generative-generative_model": ""})
    assert missing.status_code == 200 and "Erforderlich, wenn der generative Modus eingeschaltet ist" in (
        missing.content.decode())
    assert admin.post("/chatbot/settings/", form).status_code == 302
    page = admin.get("/chatbot/settings/").content.decode()
    assert "kreis-llm-7b" in page and "geheim-456" not in page and "API-Schlüssel ist gespeichert" in page
    entry = AuditEntry.objects.get(action="chatbot.generative_mode.enabled", town=town_faq)
    assert entry.details["model"] == "kreis-llm-7b" and "geheim-456" not in str(entry.details)

    assert ask(town_faq, QUESTION).json()["generated"] is True
    assert model_server.requests[-1]["authorization"] == "Bearer geheim-456"

    # Saving again without a key keeps the stored one; switching off stops asking the model.
    off = {**form, "generative-generative_enabled": "", "generative-api_key": ""}
    assert admin.post("/chatbot/settings/", off).status_code == 302
    with schema_context(town_faq.schema_name):
        assert ChatbotSettings.current().generative_api_key == "geheim-456"
    asked = len(model_server.requests)
    assert ask(town_faq, QUESTION).json()["generated"] is False
    assert len(model_server.requests) == asked
    assert AuditEntry.objects.filter(action="chatbot.generative_mode.disabled", town=town_faq).exists()


def test_town_staff_may_not_change_the_generative_mode(town_faq, member_factory, model_server):
    staff = host_client(town_faq.host, member_factory(town_faq, Role.TOWN_STAFF, "sachbearbeiter"))
    response = staff.post("/chatbot/settings/", {"generative-generative_enabled": "on",
                                                 "generative-generative_base_url": model_server.base_url,
                                                 "generative-generative_model": "m"})
    assert response.status_code == 403
    with schema_context(town_faq.schema_name):
        assert ChatbotSettings.current().generative_enabled is False


def test_the_public_register_names_the_model_while_the_mode_is_on(town_faq, model_server):
    from catalog.models import RegisterEntry

    def description():
        entries = host_client(town_faq.host).get("/ki-register.json").json()["entries"]
        return next(e for e in entries if "Chatbot" in e["name"])["short_description"]

    before = description()
    with schema_context(town_faq.schema_name):
        configure.configure_generative_mode(enabled=True, base_url=model_server.base_url, model="kreis-llm-7b",
                                            api_key=None, actor="pytest", town=town_faq)
    assert description().startswith(before) and "Sprachmodell (kreis-llm-7b, 127.0.0.1)" in description()
    with schema_context(town_faq.schema_name):
        configure.configure_generative_mode(enabled=False, base_url=model_server.base_url, model="kreis-llm-7b",
                                            api_key=None, actor="pytest", town=town_faq)
    assert description() == before
    entry = RegisterEntry.objects.get(town=town_faq, subscription__offering__service__key="chatbot")
    assert entry.versions.count() == 3
