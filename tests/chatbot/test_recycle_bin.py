"""Deleted knowledge-base entries go to a recycle bin: never answered or exported, restorable, purged later."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_tenants.utils import schema_context

from core.audit.models import AuditEntry
from services.chatbot import conf
from services.chatbot.actions.knowledge import import_entries, purge_deleted_entries
from services.chatbot.models import Case, Entry
from services.chatbot.service import DESCRIPTOR
from tenants.models import Role

from ..conftest import host_client


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def ask(town, question):
    return host_client(town.host).post("/api/v1/chatbot/ask", {"question": question},
                                       content_type="application/json").json()


def entry_pk(town, external_id):
    with schema_context(town.schema_name):
        return Entry.all_objects.get(external_id=external_id).pk


def test_delete_asks_then_moves_to_the_recycle_bin_and_restore_brings_it_back(town_faq, member_factory):
    staff = host_client(town_faq.host, member_factory(town_faq, Role.TOWN_STAFF, "staff"))
    assert ask(town_faq, "Muss ich meinen Hund anmelden?")["sources"][0]["external_id"] == "hund"
    pk = entry_pk(town_faq, "hund")
    form = staff.get(f"/chatbot/entries/{pk}/").content.decode()
    assert "Papierkorb" in form and "30 Tage" in form and "Ja, diesen Eintrag in den Papierkorb verschieben" in form

    deleted = staff.post(f"/chatbot/entries/{pk}/delete/", follow=True).content.decode()
    assert "im Papierkorb" in deleted and "bis" in deleted
    # Never answered, never listed, never exported.
    assert "hund" not in [s["external_id"] for s in ask(town_faq, "Muss ich meinen Hund anmelden?")["sources"]]
    assert "Muss ich meinen Hund anmelden?" not in staff.get("/chatbot/").content.decode()
    assert b"Hundesteuer" not in staff.get("/chatbot/export.csv").content
    assert staff.get(f"/chatbot/entries/{pk}/").status_code == 404

    bin_page = staff.get("/chatbot/recycle-bin/").content.decode()
    assert "Muss ich meinen Hund anmelden?" in bin_page and "Wiederherstellen" in bin_page
    restored = staff.post(f"/chatbot/entries/{pk}/restore/", follow=True).content.decode()
    assert "wiederhergestellt" in restored
    assert ask(town_faq, "Muss ich meinen Hund anmelden?")["sources"][0]["external_id"] == "hund"
    actions = list(AuditEntry.objects.filter(town=town_faq, action__startswith="chatbot.kb.entry_")
                   .values_list("action", flat=True))
    assert {"chatbot.kb.entry_deleted", "chatbot.kb.entry_restored"} <= set(actions)


def test_readers_cannot_delete_or_restore(town_faq, member_factory):
    finance = host_client(town_faq.host, member_factory(town_faq, Role.FINANCE, "kaemmerei"))
    pk = entry_pk(town_faq, "hund")
    assert finance.post(f"/chatbot/entries/{pk}/delete/").status_code == 403
    with schema_context(town_faq.schema_name):
        Entry.objects.filter(pk=pk).update(deleted_at=timezone.now())
    assert finance.post(f"/chatbot/entries/{pk}/restore/").status_code == 403
    # Restoring what is not in the bin (or not there at all) is a 404.
    staff = host_client(town_faq.host, member_factory(town_faq, Role.TOWN_STAFF, "staff"))
    assert staff.post(f"/chatbot/entries/{entry_pk(town_faq, 'perso')}/restore/").status_code == 404
    assert staff.post("/chatbot/entries/999999/restore/").status_code == 404


def test_an_import_with_a_deleted_entrys_id_brings_it_back_with_the_files_content(town_faq, member_factory):
    staff = host_client(town_faq.host, member_factory(town_faq, Role.TOWN_STAFF, "staff"))
    staff.post(f"/chatbot/entries/{entry_pk(town_faq, 'hund')}/delete/")
    with schema_context(town_faq.schema_name):
        report = import_entries([{"id": "hund", "question": "Muss ich meinen Hund anmelden?",
                                  "answer": "Ja, bei der Steuerstelle im Rathaus."}], actor="pytest", town=town_faq)
        assert report.ok and report.updated == 1
        entry = Entry.objects.get(external_id="hund")
        assert entry.deleted_at is None and "Steuerstelle im Rathaus" in entry.answer


def test_the_periodic_task_purges_after_the_retention_period(town_faq, member_factory):
    assert any(task.task == "chatbot.purge_deleted_entries" for task in DESCRIPTOR.periodic_tasks)
    staff = host_client(town_faq.host, member_factory(town_faq, Role.TOWN_STAFF, "staff"))
    staff.post(f"/chatbot/entries/{entry_pk(town_faq, 'hund')}/delete/")
    staff.post(f"/chatbot/entries/{entry_pk(town_faq, 'kita')}/delete/")
    with schema_context(town_faq.schema_name):
        Entry.all_objects.filter(external_id="hund").update(
            deleted_at=timezone.now() - dt.timedelta(days=conf.TRASH_DAYS + 1))
        assert purge_deleted_entries(town=town_faq) == 1
        assert purge_deleted_entries(town=town_faq) == 0  # idempotent
        assert not Entry.all_objects.filter(external_id="hund").exists()
        assert Entry.all_objects.filter(external_id="kita", deleted_at__isnull=False).exists()
    assert AuditEntry.objects.filter(action="chatbot.kb.entries_purged", town=town_faq).exists()


def test_the_empty_recycle_bin_says_what_it_is_for(town_faq, member_factory):
    staff = host_client(town_faq.host, member_factory(town_faq, Role.TOWN_STAFF, "staff"))
    assert "Der Papierkorb ist leer" in staff.get("/chatbot/recycle-bin/").content.decode()


def test_an_inbox_case_whose_entry_is_in_the_recycle_bin_opens_and_offers_the_restore(town_faq, member_factory):
    citizen = host_client(town_faq.host)
    asked = citizen.post("/api/v1/chatbot/ask", {"question": "Gibt es einen Bürgerbus?"},
                         content_type="application/json").json()
    citizen.post("/api/v1/chatbot/escalate", {"conversation": asked["conversation"]}, content_type="application/json")
    staff = host_client(town_faq.host, member_factory(town_faq, Role.TOWN_STAFF, "staff"))
    with schema_context(town_faq.schema_name):
        case = Case.objects.get()
    staff.post(f"/chatbot/inbox/{case.pk}/", {"reply": "Ja, dienstags ab dem Rathaus."})
    staff.post(f"/chatbot/inbox/{case.pk}/entry/", {"question": "Gibt es einen Bürgerbus?",
                                                    "answer": "Ja, dienstags ab dem Rathaus."})
    pk = entry_pk(town_faq, f"case-{case.pk}")
    staff.post(f"/chatbot/entries/{pk}/delete/")

    page = staff.get(f"/chatbot/inbox/{case.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Der Wissensbasis-Eintrag case-{case.pk} aus diesem Fall liegt im Papierkorb" in html
    assert f'action="/chatbot/entries/{pk}/restore/"' in html and "Eintrag wiederherstellen" in html
    assert f'href="/chatbot/entries/{pk}/"' not in html  # no link to a page that would answer 404

    # A reader sees where the entry is, without a restore button.
    reader = host_client(town_faq.host, member_factory(town_faq, Role.FINANCE, "kaemmerei"))
    read = reader.get(f"/chatbot/inbox/{case.pk}/")
    assert read.status_code == 200 and "liegt im Papierkorb" in read.content.decode()
    assert "/restore/" not in read.content.decode()

    # Restoring from the case comes back to the case, which links the entry again.
    back = staff.post(f"/chatbot/entries/{pk}/restore/", {"next": f"/chatbot/inbox/{case.pk}/"})
    assert back.status_code == 302 and back["Location"] == f"/chatbot/inbox/{case.pk}/"
    html = staff.get(f"/chatbot/inbox/{case.pk}/").content.decode()
    assert "liegt im Papierkorb" not in html and f'href="/chatbot/entries/{pk}/"' in html
    # A foreign "next" is not followed.
    staff.post(f"/chatbot/entries/{pk}/delete/")
    assert staff.post(f"/chatbot/entries/{pk}/restore/",
                      {"next": "https://evil.example.org/"})["Location"] == "/chatbot/recycle-bin/"
