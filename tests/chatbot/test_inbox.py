"""Escalation → staff inbox → reply reaches the citizen → the reply becomes a knowledge-base entry."""

import pytest
from django.core import mail
from django.core.cache import cache
from django_tenants.utils import schema_context

from core.audit.models import AuditEntry
from services.chatbot.models import Case, Entry
from tenants.models import Role

from ..conftest import host_client


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def test_escalation_reply_and_entry_in_one_flow(town_faq, member_factory, django_capture_on_commit_callbacks):
    citizen = host_client(town_faq.host)
    asked = citizen.post("/api/v1/chatbot/ask", {"question": "Wann ist der Wertstoffhof samstags geöffnet?"},
                         content_type="application/json").json()
    assert asked["answered"] is False
    with django_capture_on_commit_callbacks(execute=True):
        escalated = citizen.post("/api/v1/chatbot/escalate", {
            "conversation": asked["conversation"], "message": asked["message"],
            "email": "buerger@example.org", "consent": True}, content_type="application/json")
    assert escalated.status_code == 201 and "E-Mail" in escalated.json()["text"]

    staff = member_factory(town_faq, Role.TOWN_STAFF, "sachbearbeiterin")
    office = host_client(town_faq.host, staff)
    inbox = office.get("/chatbot/inbox/").content.decode()
    assert "Wann ist der Wertstoffhof samstags geöffnet?" in inbox
    with schema_context(town_faq.schema_name):
        case = Case.objects.get()
    assert case.contact_email == "buerger@example.org" and case.contact_consent
    page = office.get(f"/chatbot/inbox/{case.pk}/")
    assert page.status_code == 200 and "buerger@example.org" in page.content.decode()

    reply = "Der Wertstoffhof ist samstags von 9 bis 14 Uhr geöffnet."
    with django_capture_on_commit_callbacks(execute=True):
        assert office.post(f"/chatbot/inbox/{case.pk}/", {"reply": reply}).status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["buerger@example.org"] and reply in mail.outbox[0].body
    # The citizen returning with the conversation token sees the reply too.
    conversation = citizen.get(f"/api/v1/chatbot/conversations/{asked['conversation']}").json()
    assert conversation["messages"][-1] == {**conversation["messages"][-1], "kind": "staff", "text": reply,
                                            "ai_generated": False}

    made = office.post(f"/chatbot/inbox/{case.pk}/entry/", {"question": "Öffnungszeiten Wertstoffhof",
                                                            "answer": reply})
    assert made.status_code == 302
    with schema_context(town_faq.schema_name):
        entry = Entry.objects.get(external_id=f"case-{case.pk}")
        assert entry.answer == reply and entry.embedding is not None
        assert Case.objects.get().entry == entry
    assert AuditEntry.objects.filter(action="chatbot.case.turned_into_entry", town=town_faq).exists()
    # Next time the machine knows.
    again = citizen.post("/api/v1/chatbot/ask", {"question": "Wann hat der Wertstoffhof am Samstag offen?"},
                         content_type="application/json").json()
    assert again["answered"] is True and again["sources"][0]["external_id"] == f"case-{case.pk}"


def test_without_consent_no_mail_and_no_address(town_faq, member_factory, django_capture_on_commit_callbacks):
    citizen = host_client(town_faq.host)
    asked = citizen.post("/api/v1/chatbot/ask", {"question": "Gibt es einen Bürgerbus?"},
                         content_type="application/json").json()
    citizen.post("/api/v1/chatbot/escalate", {"conversation": asked["conversation"]}, content_type="application/json")
    staff = member_factory(town_faq, Role.TOWN_STAFF, "sachbearbeiter")
    with schema_context(town_faq.schema_name):
        case = Case.objects.get()
    assert case.question == "Gibt es einen Bürgerbus?" and not case.contact_email
    with django_capture_on_commit_callbacks(execute=True):
        host_client(town_faq.host, staff).post(f"/chatbot/inbox/{case.pk}/", {"reply": "Ja, dienstags."})
    assert mail.outbox == []


def test_staff_pages_of_town_a_are_closed_to_town_b(town_faq, town_b, member_factory):
    bob = member_factory(town_b, Role.TOWN_STAFF, "bob")
    at_a = host_client(town_faq.host, bob)
    for path in ("/chatbot/", "/chatbot/inbox/", "/chatbot/analytics/", "/chatbot/settings/", "/chatbot/export.csv",
                 "/chatbot/entries/1/"):
        response = at_a.get(path)
        assert response.status_code == 403, path
        assert "Personalausweis" not in response.content.decode()
    own = host_client(town_b.host, bob).get("/chatbot/export.json")
    assert own.status_code == 200 and own.content == b"[]"
    # The demo page is public.
    assert host_client(town_faq.host).get("/chatbot/demo/").status_code == 200


def test_analytics_page_shows_counts_without_personal_data(town_faq, member_factory):
    citizen = host_client(town_faq.host)
    citizen.post("/api/v1/chatbot/ask", {"question": "Muss ich meinen Hund anmelden?"}, content_type="application/json")
    citizen.post("/api/v1/chatbot/ask", {"question": "Rufen Sie mich an: 0171 2345678, max@example.org – Freibad?"},
                 content_type="application/json")
    staff = member_factory(town_faq, Role.TOWN_STAFF, "staff")
    page = host_client(town_faq.host, staff).get("/chatbot/analytics/").content.decode()
    assert "Häufigste unbeantwortete Fragen" in page
    assert "Freibad" in page and "0171" not in page and "max@example.org" not in page
