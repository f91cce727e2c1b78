"""The public chatbot API at a town's host, as a citizen's browser uses it."""

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

from services.chatbot import conf
from services.chatbot.actions.chat import ANSWER_THRESHOLD
from services.chatbot.models import (
    Case,
    ChatbotSettings,
    DailyStat,
    Message,
    SensitiveTopic,
    UnansweredQuestion,
    UsageRecord,
)

from ..conftest import host_client

ASK = "/api/v1/chatbot/ask"


def ask(town, question, **extra):
    return host_client(town.host).post(ASK, {"question": question, **extra}, content_type="application/json")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_answer_is_labelled_with_sources_and_a_person_offered(town_faq):
    response = ask(town_faq, "Mein Personalausweis ist abgelaufen, was muss ich tun?")
    assert response.status_code == 200
    body = response.json()
    assert body["answered"] is True
    assert "Bürgerbüro" in body["answer"]
    assert body["ai_generated"] is True and body["ai_notice"]
    assert body["sources"][0]["external_id"] == "perso"
    assert body["sources"][0]["link"] == "https://www.amtsdorf.de/buergerbuero"
    assert body["sources"][0]["score"] >= body["sources"][-1]["score"]
    assert ANSWER_THRESHOLD <= body["confidence"] <= 1
    assert body["escalation"] == {"offered": True, "url": "/api/v1/chatbot/escalate",
                                  "label": "Mit einem Menschen sprechen", "case_opened": False}


def test_english_labels_on_request(town_faq):
    body = ask(town_faq, "Hundesteuer anmelden", language="en").json()
    assert body["escalation"]["label"] == "Talk to a person"


def test_unknown_question_says_so_and_offers_a_person(town_faq):
    body = ask(town_faq, "Wann hat das Freibad im Sommer geöffnet?").json()
    assert body["answered"] is False
    assert body["confidence"] < ANSWER_THRESHOLD
    assert "keine verlässliche Antwort" in body["answer"]
    assert body["escalation"]["offered"] is True
    with schema_context(town_faq.schema_name):
        assert UnansweredQuestion.objects.get().text == "Wann hat das Freibad im Sommer geöffnet?"
        assert not UsageRecord.objects.exists()


def test_sensitive_topic_is_never_answered_by_the_machine(town_faq):
    with schema_context(town_faq.schema_name):
        SensitiveTopic.objects.create(name="Häusliche Gewalt", keywords=["Gewalt", "schlägt mich"])
    body = ask(town_faq, "Mein Mann schlägt mich, wo melde ich meinen Umzug an?").json()
    assert body["answered"] is False
    assert body["escalation"]["case_opened"] is True
    assert body["sources"] == []
    with schema_context(town_faq.schema_name):
        case = Case.objects.get()
        assert case.reason == "sensitive" and case.status == Case.Status.OPEN
        assert not UsageRecord.objects.exists()


def test_sensitive_entry_escalates_instead_of_answering(town_faq):
    from services.chatbot.models import Entry

    with schema_context(town_faq.schema_name):
        Entry.objects.filter(external_id="kita").update(sensitive=True)
    body = ask(town_faq, "Wie bekomme ich einen Kitaplatz für mein Kind?").json()
    assert body["answered"] is False and body["escalation"]["case_opened"] is True


def test_each_answered_question_is_metered_exactly_once(town_faq):
    first = ask(town_faq, "Muss ich meinen Hund anmelden?").json()
    ask(town_faq, "Wann hat das Freibad geöffnet?", conversation=first["conversation"])
    ask(town_faq, "Wann wird der Sperrmüll abgeholt?", conversation=first["conversation"])
    from services.chatbot import metering

    with schema_context(town_faq.schema_name):
        records = list(UsageRecord.objects.all())
        assert [(r.unit, r.quantity, r.service) for r in records] == [("answered_question", 1, "chatbot")] * 2
        message = Message.objects.get(pk=first["message"])
        # Reporting the same answer again (a retry) adds nothing.
        assert metering.report_answered(town_faq, message.conversation_id, message.pk, message.created_at) is False
        assert UsageRecord.objects.count() == 2
        stats = DailyStat.objects.get()
        assert (stats.questions, stats.answered) == (3, 2)


def test_rating_counts_once_per_answer(town_faq):
    body = ask(town_faq, "Muss ich meinen Hund anmelden?").json()
    client = host_client(town_faq.host)
    for helpful in (True, True, False):
        response = client.post("/api/v1/chatbot/rate", {"conversation": body["conversation"],
                                                        "message": body["message"], "helpful": helpful},
                               content_type="application/json")
        assert response.status_code == 200
    with schema_context(town_faq.schema_name):
        stats = DailyStat.objects.get()
        assert (stats.helpful, stats.not_helpful) == (0, 1)
    wrong = client.post("/api/v1/chatbot/rate", {"conversation": "00000000-0000-0000-0000-000000000000",
                                                 "message": body["message"], "helpful": True},
                        content_type="application/json")
    assert wrong.status_code == 404


def test_town_a_knowledge_never_answers_at_town_b(town_faq, town_b):
    body = ask(town_b, "Wie beantrage ich einen neuen Personalausweis?").json()
    assert body["answered"] is False and body["sources"] == []
    # A's conversation token means nothing at B.
    token = ask(town_faq, "Muss ich meinen Hund anmelden?").json()["conversation"]
    assert host_client(town_b.host).get(f"/api/v1/chatbot/conversations/{token}").status_code == 404
    assert host_client(town_faq.host).get(f"/api/v1/chatbot/conversations/{token}").status_code == 200


def test_anonymous_clients_are_rate_limited_per_client_and_per_town(town_faq, town_b, monkeypatch):
    monkeypatch.setattr(conf, "RATE_PER_CLIENT", 3)
    for _ in range(3):
        assert ask(town_faq, "Hund").status_code == 200
    limited = ask(town_faq, "Hund")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    # Another client of the same town, and the same client at another town, still get answers.
    other = host_client(town_faq.host, ).post(ASK, {"question": "Hund"}, content_type="application/json",
                                              REMOTE_ADDR="10.0.0.7")
    assert other.status_code == 200
    assert ask(town_b, "Hund").status_code == 200
    monkeypatch.setattr(conf, "RATE_PER_CLIENT", 100)
    monkeypatch.setattr(conf, "RATE_PER_TOWN", 2)
    cache.clear()
    assert ask(town_b, "Hund").status_code == 200
    assert ask(town_b, "Hund").status_code == 200
    assert host_client(town_b.host).post(ASK, {"question": "Hund"}, content_type="application/json",
                                         REMOTE_ADDR="10.0.0.9").status_code == 429


def test_cors_only_for_the_towns_configured_origins(town_faq, town_b):
    with schema_context(town_faq.schema_name):
        settings_a = ChatbotSettings.current()
        settings_a.allowed_origins = ["https://www.amtsdorf.de"]
        settings_a.save()
    client = host_client(town_faq.host)
    allowed = client.options(ASK, HTTP_ORIGIN="https://www.amtsdorf.de",
                             HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert allowed.status_code == 204
    assert allowed["Access-Control-Allow-Origin"] == "https://www.amtsdorf.de"
    assert "POST" in allowed["Access-Control-Allow-Methods"]
    post = client.post(ASK, {"question": "Hund"}, content_type="application/json", HTTP_ORIGIN="https://www.amtsdorf.de")
    assert post["Access-Control-Allow-Origin"] == "https://www.amtsdorf.de"
    for origin in ("https://evil.example", "https://www.amtsdorf.de.evil.example", "http://www.amtsdorf.de"):
        denied = client.options(ASK, HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
        assert denied.status_code == 403 and "Access-Control-Allow-Origin" not in denied, origin
        post = client.post(ASK, {"question": "Hund"}, content_type="application/json", HTTP_ORIGIN=origin)
        assert "Access-Control-Allow-Origin" not in post
    # A's website is not an origin of B.
    at_b = host_client(town_b.host).options(ASK, HTTP_ORIGIN="https://www.amtsdorf.de",
                                            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert at_b.status_code == 403
    # The town's own host (demo page) is always allowed.
    own = client.options(ASK, HTTP_ORIGIN=f"http://{town_faq.host}", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert own.status_code == 204


def test_escalation_requires_consent_for_contact_data(town_faq):
    body = ask(town_faq, "Wann hat das Freibad geöffnet?").json()
    client = host_client(town_faq.host)
    refused = client.post("/api/v1/chatbot/escalate", {"conversation": body["conversation"], "message": body["message"],
                                                       "email": "buerger@example.org"},
                          content_type="application/json")
    assert refused.status_code == 400 and "consent" in refused.json()
    done = client.post("/api/v1/chatbot/escalate", {"conversation": body["conversation"], "message": body["message"]},
                       content_type="application/json")
    assert done.status_code == 201
    with schema_context(town_faq.schema_name):
        case = Case.objects.get()
        assert case.question == "Wann hat das Freibad geöffnet?"
        assert case.contact_email == "" and not case.contact_consent


def test_towns_without_a_chatbot_subscription_get_a_403_that_says_how_to_subscribe(make_town):
    import json as _json

    from django.test import Client

    from billing.models import UsageEvent

    town = make_town("Ohnebot", subscribed=False)
    response = Client(HTTP_HOST=town.host).post("/api/v1/chatbot/ask", _json.dumps({"question": "Hundesteuer?"}),
                                                content_type="application/json", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 403
    assert "/catalogue/chatbot/" in response.json()["detail"]
    assert not UsageEvent.objects.exists()


def test_every_answered_question_is_billed_exactly_once(town_faq):
    import json as _json

    from django.test import Client

    from billing.models import UsageEvent

    client = Client(HTTP_HOST=town_faq.host)
    answer = client.post("/api/v1/chatbot/ask", _json.dumps({"question": "Muss ich meinen Hund anmelden?"}),
                         content_type="application/json").json()
    assert answer["answer"] and answer["ai_generated"] is True
    events = UsageEvent.objects.filter(town=town_faq, service="chatbot", unit="answered_question")
    assert events.count() == 1 and events.get().quantity == 1


def test_an_ended_subscription_stops_the_chatbot_at_once(town_faq):
    """Entitlements are cached; ending the subscription drops the town's cached answer."""
    import datetime

    from django.utils import timezone

    from catalog.actions import cancel_subscription
    from catalog.actions.subscriptions import end_expired_subscriptions
    from catalog.models import Subscription, SubscriptionStatus

    assert ask(town_faq, "Muss ich meinen Hund anmelden?").status_code == 200
    subscription = Subscription.objects.get(town=town_faq, offering__service__key="chatbot",
                                            status=SubscriptionStatus.ACTIVE)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    cancel_subscription(subscription, ends_on=tomorrow, actor="pytest")
    assert ask(town_faq, "Muss ich meinen Hund anmelden?").status_code == 200  # until its end date
    assert end_expired_subscriptions(today=tomorrow) == [subscription.pk]
    assert ask(town_faq, "Muss ich meinen Hund anmelden?").status_code == 403


def test_a_new_sensitive_topic_and_origin_apply_to_the_next_question(town_faq):
    """The settings every question reads are cached per town and dropped when they change."""
    origin = "https://www.amtsdorf.de"
    response = host_client(town_faq.host).post(ASK, {"question": "Muss ich meinen Hund anmelden?"},
                                               content_type="application/json", HTTP_ORIGIN=origin)
    assert response.json()["answered"] is True and "Access-Control-Allow-Origin" not in response
    with schema_context(town_faq.schema_name):
        SensitiveTopic.objects.create(name="Hunde", keywords=["hund"])
        settings_row = ChatbotSettings.current()
        settings_row.allowed_origins = [origin]
        settings_row.save()
    response = host_client(town_faq.host).post(ASK, {"question": "Muss ich meinen Hund anmelden?"},
                                               content_type="application/json", HTTP_ORIGIN=origin)
    assert response.json()["answered"] is False and response.json()["escalation"]["case_opened"] is True
    assert response["Access-Control-Allow-Origin"] == origin


def test_an_answer_costs_ten_statements(town_faq, django_assert_max_num_queries):
    """Settings, topics, entitlement and the host's town come from the cache once they are there."""
    assert ask(town_faq, "Wann wird der Sperrmüll abgeholt?").json()["answered"] is True
    # search_path, search, BEGIN, conversation, question, answer, day's counters, usage in the town and in
    # billing, COMMIT
    with django_assert_max_num_queries(10):
        assert ask(town_faq, "Muss ich meinen Hund anmelden?").json()["answered"] is True
