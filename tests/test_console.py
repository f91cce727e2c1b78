"""The operator console at PLATFORM_DOMAIN, driven through HTTP like a browser would."""

import pytest
from django_tenants.utils import schema_exists

from core.audit.models import AuditEntry
from tenants.actions import export_town
from tenants.models import Town, TownExport, TownStatus

from .conftest import host_client


@pytest.fixture
def console(operator, console_host):
    return host_client(console_host, operator)


def test_console_needs_an_operator(db, console_host, django_user_model):
    anonymous = host_client(console_host)
    response = anonymous.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    clerk = django_user_model.objects.create_user("clerk", password="x" * 12)
    assert host_client(console_host, clerk).get("/").status_code == 403


def test_password_login_is_for_break_glass_superusers_only(db, operator, break_glass, console_host):
    client = host_client(console_host)
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and "Anmelden" in page.content.decode()
    # An operator (platform_admin from Keycloak) has no password login.
    refused = client.post("/accounts/login/", {"username": "kreis-it", "password": "operator-password-1"})
    assert refused.status_code == 200 and not refused.wsgi_request.user.is_authenticated
    response = client.post("/accounts/login/", {"username": "notfall", "password": "break-glass-password-1"})
    assert response.status_code == 302
    assert "Mitgliedsgemeinden" in client.get("/").content.decode()


def test_onboarding_form_creates_a_town(console):
    response = console.post("/", {
        "name": "Formdorf", "ags": "09999501", "population": "7300", "population_date": "2024-12-31",
        "kreis": "09999", "kreis_name": "Landkreis Musterland", "activate": "on",
    })
    assert response.status_code == 302 and response["Location"] == "/towns/09999501/"
    town = Town.objects.get(ags="09999501")
    assert town.status == TownStatus.ACTIVE and schema_exists(town.schema_name)
    assert AuditEntry.objects.get(action="tenants.town.onboarded", town=town).actor == "kreis-it"
    detail = console.get(response["Location"]).content.decode()
    assert "Formdorf" in detail and "formdorf.kiverbund.localhost" in detail
    assert "Formdorf" in console.get("/").content.decode()


def test_onboarding_form_shows_errors_and_writes_nothing(console):
    response = console.post("/", {"name": "Irrdorf", "ags": "17999502", "population": "10",
                                  "population_date": "2024-12-31"})
    assert response.status_code == 400
    assert "Land 17" in response.content.decode()
    assert not Town.objects.exists()


def test_status_export_and_offboard_from_the_console(console, town_a, django_capture_on_commit_callbacks):
    assert console.post(f"/towns/{town_a.ags}/status/", {"status": "suspended"}).status_code == 302
    assert Town.objects.get(pk=town_a.pk).status == TownStatus.SUSPENDED
    # Offboarding without an export is refused with a message.
    response = console.post(f"/towns/{town_a.ags}/offboard/", {"confirm_ags": town_a.ags}, follow=True)
    assert "exportieren" in response.content.decode()
    assert schema_exists(town_a.schema_name)
    # The console queues the export (tests/test_export_job.py runs it in a worker); here it is made directly.
    with django_capture_on_commit_callbacks() as queued:
        assert console.post(f"/towns/{town_a.ags}/export/").status_code == 302
    assert len(queued) == 1 and not TownExport.objects.exists()
    export_town(town_a)
    export = TownExport.objects.get(town=town_a)
    download = console.get(f"/towns/{town_a.ags}/exports/{export.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert b"".join(download.streaming_content)[:2] == b"PK"
    # A wrong confirmation does nothing.
    console.post(f"/towns/{town_a.ags}/offboard/", {"confirm_ags": "00000000"})
    assert schema_exists(town_a.schema_name)
    console.post(f"/towns/{town_a.ags}/offboard/", {"confirm_ags": town_a.ags})
    assert Town.objects.get(pk=town_a.pk).status == TownStatus.OFFBOARDED
    assert not schema_exists(town_a.schema_name)
    audit = console.get("/audit/?area=tenants.town").content.decode()
    assert "Gemeinde ausgegliedert, Daten gelöscht" in audit and "Gemeinde gesperrt" in audit


def test_console_is_english_on_request(console):
    page = console.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Member towns" in page and 'lang="en"' in page
    german = console.get("/").content.decode()
    assert "Mitgliedsgemeinden" in german and 'lang="de"' in german


def test_unknown_town_in_console_is_404(console):
    assert console.get("/towns/09999999/").status_code == 404


def test_the_operator_enters_a_towns_postal_address_with_errors_next_to_the_fields(town_a, operator, console_host):
    from core.audit.models import AuditEntry

    from .conftest import host_client

    console = host_client(console_host, operator)
    detail = console.get(f"/towns/{town_a.ags}/").content.decode()
    assert "E-Rechnungen (XRechnung) an diese Gemeinde brauchen sie" in detail
    bad = console.post(f"/towns/{town_a.ags}/address/", {"street": "Marktplatz 1", "postcode": "123", "city": ""})
    text = bad.content.decode()
    assert bad.status_code == 400 and "fünf Ziffern" in text and "Bitte füllen Sie dieses Feld aus." in text
    assert "zwingend" not in text
    town_a.refresh_from_db()
    assert town_a.postcode == ""
    saved = console.post(f"/towns/{town_a.ags}/address/", {"street": "Marktplatz 1", "postcode": "99998",
                                                            "city": "Amtsdorf"})
    assert saved.status_code == 302
    town_a.refresh_from_db()
    assert (town_a.street, town_a.postcode, town_a.city) == ("Marktplatz 1", "99998", "Amtsdorf")
    assert AuditEntry.objects.get(action="tenants.town.address_changed").details["postcode"] == "99998"


def test_what_cannot_be_undone_asks_first_and_says_what_follows(town_a, operator, console_host):
    from .conftest import host_client

    page = host_client(console_host, operator).get(f"/towns/{town_a.ags}/").content.decode()
    # Suspending sits behind a second step that says what follows; offboarding asks for the AGS.
    assert '<details class="confirm"><summary class="button">Sperren</summary>' in page
    assert "Die Daten bleiben erhalten" in page and f"Ja, {town_a.name} sperren" in page
    assert 'name="confirm_ags"' in page
