"""The console's audit log and town list: searchable, filterable, paginated, in plain words, bounded cost."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.audit.log import log_action
from portal import audit_words
from portal.views import console as console_views
from tenants.actions import suspend_town

from .conftest import host_client

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def console(operator, console_host):
    return host_client(console_host, operator)


def table_text(page: str) -> str:
    return page[page.index("<table"):page.index("</table>")]


def test_audit_entries_are_sentences_without_codes_paths_or_dicts(console, town_a):
    suspend_town(town_a, actor="kreis-it", reason="Zahlungsverzug")
    log_action("tenants.town.exported", actor="kreis-it", town=town_a, path="/var/lib/kiverbund/exports/x.zip",
               sha256="ab" * 32, rows={"chatbot_entry": 3}, files=2)
    log_action("catalog.checklist.confirmed", actor="kreis-it", town=town_a, subscription_id=7, service="chatbot",
               item="avv", avv_version="2026-01")
    page = console.get("/audit/").content.decode()
    table = table_text(page)
    assert "Gemeinde gesperrt" in table and "Grund: Zahlungsverzug" in table and "Vorher: Aktiv" in table
    assert "Daten exportiert" in table and "Dateien: 2" in table
    assert "Bürger-Chatbot" in table and "Auftragsverarbeitungsvertrag" in table
    for internal in ("tenants.town", "/var/lib", "{", "sha256", "subscription_id", "chatbot_entry", "avv_version",
                     "'chatbot'"):
        assert internal not in table, internal


def test_audit_log_filters_by_area_person_town_text_and_dates(console, town_a, town_b):
    log_action("chatbot.kb.entry_created", actor="anna", town=town_a, external_id="hundesteuer")
    log_action("chatbot.kb.entry_created", actor="bernd", town=town_b, external_id="sperrmuell")
    log_action("billing.period.closed", actor="kaemmerin", month="2026-11")

    def rows(**params):
        return table_text(console.get("/audit/", params).content.decode())

    assert "hundesteuer" in rows(area="chatbot") and "November 2026" not in rows(area="chatbot")
    assert "November 2026" in rows(area="billing")
    assert "November 2026" in rows(action="billing.period.closed") and "hundesteuer" not in rows(
        action="billing.period.closed")
    assert "Monat abgeschlossen, Abrechnungen endgültig</option>" in console.get("/audit/").content.decode()
    assert "hundesteuer" in rows(actor="ann") and "sperrmuell" not in rows(actor="ann")
    assert "sperrmuell" in rows(town="Burgheim") and "hundesteuer" not in rows(town="Burgheim")
    assert "sperrmuell" in rows(town=town_b.ags) and "hundesteuer" not in rows(town=town_b.ags)
    assert "hundesteuer" in rows(q="hundest") and "sperrmuell" not in rows(q="hundest")
    today = dt.date.today()
    assert "hundesteuer" in rows(since=today.isoformat(), until=today.isoformat())
    assert "Keine Einträge gefunden" in rows(since=(today + dt.timedelta(days=1)).isoformat())
    # An area that is not on the list is refused as a form error, never used as a free prefix.
    wrong = console.get("/audit/", {"area": "tenants"})
    assert wrong.status_code == 400 and "Bitte wählen Sie einen der angebotenen Werte" in wrong.content.decode()


def test_audit_log_date_range_error_stands_next_to_its_field(console):
    response = console.get("/audit/", {"since": "2026-12-01", "until": "2026-11-01"})
    page = response.content.decode()
    assert response.status_code == 400
    until = page.index('id="id_until"')
    assert "Das Enddatum liegt vor dem Startdatum." in page[until:until + 400]
    bad = console.get("/audit/", {"since": "gestern"})
    assert bad.status_code == 400 and "Bitte geben Sie ein gültiges Datum ein." in bad.content.decode()
    # English keeps Django's own wording.
    english = console.get("/audit/", {"since": "gestern"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Enter a valid date." in english.content.decode()


def test_audit_log_is_paginated_and_keeps_the_filters(console, monkeypatch):
    monkeypatch.setattr(console_views, "AUDIT_PER_PAGE", 3)
    for n in range(7):
        log_action("chatbot.kb.entry_created", actor="anna", external_id=f"eintrag-{n}")
    first = console.get("/audit/", {"actor": "anna"}).content.decode()
    assert "Seite 1 von 3" in first and "actor=anna&amp;page=2" in first
    last = console.get("/audit/", {"actor": "anna", "page": "3"}).content.decode()
    assert "eintrag-0" in table_text(last) and "eintrag-6" not in table_text(last)
    # A page number past the end shows the last page, never an error.
    assert console.get("/audit/", {"page": "999"}).status_code == 200
    assert console.get("/audit/", {"page": "abc"}).status_code == 200


ACTION_LITERAL = re.compile(r'"((?:tenants|identity|documents|catalog|billing|chatbot|feedback|roads)\.[a-z_]+\.[a-z_]+)"')


def test_every_audited_action_has_words():
    """Each action the product writes has its sentence on the page (literals in files that log, and the roads
    decisions named from their verbs)."""
    from services.roads.actions.review import PAST

    actions = {f"roads.detection.{verb}" for verb in PAST.values()}
    for folder in ("platform", "tenants", "catalog", "billing", "services"):
        for path in (REPO / folder).rglob("*.py"):
            text = path.read_text()
            if "migrations" in path.parts or "testing" in path.parts or "log_action(" not in text:
                continue
            actions |= {name for name in ACTION_LITERAL.findall(text) if ".views." not in name}
    assert len(actions) > 60
    assert sorted(actions - set(audit_words.ACTIONS)) == []


def test_town_list_searches_filters_and_pages(console, make_town, monkeypatch):
    monkeypatch.setattr(console_views, "TOWNS_PER_PAGE", 2)
    a, c = make_town("Amtsdorf"), make_town("Calden")
    make_town("Burgheim")
    suspend_town(c, actor="kreis-it")
    first = console.get("/").content.decode()
    assert "3 Gemeinden" in first and "Seite 1 von 2" in first
    assert "Amtsdorf" in table_text(first) and "Calden" not in table_text(first)
    assert "Calden" in table_text(console.get("/", {"page": "2"}).content.decode())
    found = table_text(console.get("/", {"q": "burg"}).content.decode())
    assert "Burgheim" in found and "Amtsdorf" not in found
    assert "Amtsdorf" in table_text(console.get("/", {"q": a.ags}).content.decode())
    suspended = table_text(console.get("/", {"status": "suspended"}).content.decode())
    assert "Calden" in suspended and "Burgheim" not in suspended
    assert "Keine Gemeinde gefunden" in console.get("/", {"q": "Zzz"}).content.decode()


def test_town_list_queries_do_not_grow_with_the_towns(console, make_town):
    make_town("Amtsdorf")
    console.get("/")  # the signed-in account is read once, then from the cache (tests/test_request_queries.py)
    with CaptureQueriesContext(connection) as few:
        assert console.get("/").status_code == 200
    for name in ("Burgheim", "Calden", "Dorfen", "Eiche"):
        make_town(name)
    with CaptureQueriesContext(connection) as more:
        page = console.get("/").content.decode()
    assert "5 Gemeinden" in page
    assert [q["sql"][:60] for q in more.captured_queries] == [q["sql"][:60] for q in few.captured_queries]


def test_town_list_escapes_what_towns_are_called(console, make_town):
    make_town('Ober<script>alert(1)</script>"dorf', kreis_name='Kreis "A" & <B>')
    table = table_text(console.get("/").content.decode())
    assert "<script>" not in table and "Ober&lt;script&gt;alert(1)&lt;/script&gt;&quot;dorf</a>" in table
    assert "<td>Kreis &quot;A&quot; &amp; &lt;B&gt;</td>" in table
