"""Editing an entry on the staff page recomputes its search columns at once (no embedding at request time)."""

import io

from django.core.cache import cache
from django.core.management import call_command
from django_tenants.utils import schema_context

from core.audit.models import AuditEntry
from services.chatbot.formats import read_rows
from services.chatbot.models import Entry
from tenants.models import Role

from ..conftest import host_client


def test_new_entry_with_variants_is_found_right_away(town_faq, member_factory):
    cache.clear()
    staff = member_factory(town_faq, Role.TOWN_STAFF, "staff")
    response = host_client(town_faq.host, staff).post("/chatbot/entries/new/", {
        "question": "Wann hat das Freibad geöffnet?",
        "variants": "Öffnungszeiten Schwimmbad\nBadesaison", "answer": "Von Mai bis September **täglich** 9–20 Uhr.",
        "link": "https://www.amtsdorf.de/freibad", "department": "Bäder", "tags": "Freizeit, Sport"})
    assert response.status_code == 302
    with schema_context(town_faq.schema_name):
        entry = Entry.objects.get(external_id="wann-hat-das-freibad-geoffnet")
        assert entry.answer == "<p>Von Mai bis September <strong>täglich</strong> 9–20 Uhr.</p>"
        assert entry.variants == ["Öffnungszeiten Schwimmbad", "Badesaison"] and entry.tags == ["Freizeit", "Sport"]
        assert all(p.embedding is not None for p in entry.phrasings.all())
    assert AuditEntry.objects.filter(action="chatbot.kb.entry_created", town=town_faq).exists()
    body = host_client(town_faq.host).post("/api/v1/chatbot/ask", {"question": "Bis wann ist die Badesaison?"},
                                           content_type="application/json").json()
    assert body["answered"] and body["sources"][0]["external_id"] == "wann-hat-das-freibad-geoffnet"


def test_expired_entries_are_not_used(town_faq):
    cache.clear()
    with schema_context(town_faq.schema_name):
        Entry.objects.filter(external_id="hund").update(valid_until="2020-01-01")
    body = host_client(town_faq.host).post("/api/v1/chatbot/ask", {"question": "Muss ich meinen Hund anmelden?"},
                                           content_type="application/json").json()
    assert "hund" not in [s["external_id"] for s in body["sources"]]


def test_export_command_writes_the_towns_entries(town_faq, tmp_path):
    target = tmp_path / "kb.xlsx"
    out = io.StringIO()
    call_command("chatbot_export", "--town", town_faq.ags, str(target), stdout=out)
    assert "6 entries" in out.getvalue()
    assert {r["id"] for r in read_rows(target.read_bytes(), target.name)} >= {"perso", "hund"}
