import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from core.audit.models import AuditEntry
from core.documents.models import Document
from tenants.actions import TownData, TownError, export_town, onboard_town
from tenants.models import Domain, Town, TownStatus
from tenants.schemas import applied_migrations, expected_migrations


def _tables(schema):
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema])
        return {row[0] for row in cursor.fetchall()}


def test_onboard_town_command_creates_schema_host_and_audit(db, capsys):
    call_command("onboard_town", ags="09574138", name="Lauf a.d.Pegnitz", population="26434", kreis="09574",
                 leitweg_id="04011000-1234512345-06")
    town = Town.objects.get(ags="09574138")
    assert town.slug == "lauf-a-d-pegnitz"
    assert town.schema_name == "town_09574138"
    assert (town.land, town.kreis, town.status) == ("09", "09574", TownStatus.ONBOARDING)
    assert Domain.objects.get(tenant=town).domain == "lauf-a-d-pegnitz.kiverbund.localhost"
    assert schema_exists("town_09574138")
    assert "documents_document" in _tables("town_09574138")
    assert applied_migrations("town_09574138") == set(expected_migrations())
    entry = AuditEntry.objects.get(action="tenants.town.onboarded")
    assert entry.town == town and entry.actor == "cli:onboard_town" and entry.details["ags"] == "09574138"
    assert "http://lauf-a-d-pegnitz.kiverbund.localhost:8000/" in capsys.readouterr().out


def test_cloned_schema_is_usable_and_empty(make_town):
    town = make_town("Sequenzhausen")
    with schema_context(town.schema_name):
        assert Document.objects.count() == 0
        first = Document.objects.create(title="a", file=ContentFile(b"a", name="a.txt"))
        second = Document.objects.create(title="b", file=ContentFile(b"b", name="b.txt"))
    assert second.pk == first.pk + 1


def test_onboarding_is_idempotent_per_ags(db):
    data = TownData(ags="09999201", name="Doppelhausen", population=5000)
    town, created = onboard_town(data)
    again, created_again = onboard_town(data)
    assert created and not created_again and again.pk == town.pk
    assert Town.objects.filter(ags="09999201").count() == 1
    assert AuditEntry.objects.filter(action="tenants.town.onboarded", town=town).count() == 1
    call_command("onboard_town", ags="09999201", name="Doppelhausen", population="5000")
    assert Town.objects.filter(ags="09999201").count() == 1


def test_duplicate_ags_with_other_name_is_refused(db):
    onboard_town(TownData(ags="09999202", name="Erststadt", population=5000))
    with pytest.raises(CommandError, match="gehört bereits zu Erststadt"):
        call_command("onboard_town", ags="09999202", name="Zweitstadt", population="100")
    assert not Town.objects.filter(name="Zweitstadt").exists()


@pytest.mark.parametrize("ags, message", [
    ("0999920", "8 digits"),
    ("17999203", "Land 17"),
    ("09999abc", "8 digits"),
])
def test_bad_ags_gives_clear_error_and_writes_nothing(db, ags, message):
    with pytest.raises(CommandError, match=message):
        call_command("onboard_town", ags=ags, name="Fehlstadt", population="100")
    assert not Town.objects.exists()
    assert not AuditEntry.objects.exists()


def test_ags_outside_named_kreis_is_refused(db):
    with pytest.raises(CommandError, match="does not belong to Kreis 09573"):
        call_command("onboard_town", ags="09574138", name="Lauf", population="100", kreis="09573")


def test_taken_host_name_is_refused(db):
    onboard_town(TownData(ags="09999204", name="Neustadt", population=1000))
    with pytest.raises(TownError, match="Hostname „neustadt“"):
        onboard_town(TownData(ags="09998204", name="Neustadt", population=1000))
    town, _ = onboard_town(TownData(ags="09998204", name="Neustadt", population=1000, slug="neustadt-sued"))
    assert town.host.startswith("neustadt-sued.")


def test_failed_clone_leaves_nothing(db, monkeypatch):
    import tenants.actions.onboarding as onboarding

    def broken_clone(schema_name):
        raise RuntimeError("disk full")

    monkeypatch.setattr(onboarding, "clone_template", broken_clone)
    with pytest.raises(RuntimeError):
        onboard_town(TownData(ags="09999205", name="Halbstadt", population=1000))
    assert not Town.objects.filter(ags="09999205").exists()
    assert not Domain.objects.exists()
    assert not schema_exists("town_09999205")


# The lifecycle as the platform issue states it (onboarding → active → suspended → offboarded): a
# suspended town may come back, offboarding is final, and nothing returns a town to onboarding.
STATUSES = ["onboarding", "active", "suspended", "offboarded"]
LEGAL = {("onboarding", "active"), ("onboarding", "offboarded"), ("active", "suspended"),
         ("active", "offboarded"), ("suspended", "active"), ("suspended", "offboarded")}
CHANGES = [(current, target) for current in STATUSES for target in STATUSES if current != target]
AUDIT_ACTION = {"active": "tenants.town.activated", "suspended": "tenants.town.suspended",
                "offboarded": "tenants.town.offboarded"}


def _town_in(make_town, status, tmp_path):
    from tenants.actions import export_town, offboard_town, suspend_town

    town = make_town(activate=status != "onboarding")
    if status == "suspended":
        suspend_town(town, actor="pytest")
    if status == "offboarded":
        export_town(town, tmp_path / "before.zip")
        offboard_town(town, confirm=True, actor="pytest")
    town = Town.objects.get(pk=town.pk)
    assert town.status == status
    return town


def _audit_trail(town):
    return list(AuditEntry.objects.filter(town=town).order_by("id").values_list("action", flat=True))


def test_the_transition_table_is_the_documented_lifecycle():
    from tenants.models import STATUS_TRANSITIONS

    assert {(a.value, b.value) for a, targets in STATUS_TRANSITIONS.items() for b in targets} == LEGAL


def _by_action(town, target, tmp_path):
    from tenants.actions import activate_town, export_town, offboard_town, suspend_town

    if target == "active":
        activate_town(town, actor="pytest")
    elif target == "suspended":
        suspend_town(town, actor="pytest", reason="Test")
    else:
        export_town(town, tmp_path / "last.zip")
        offboard_town(town, confirm=True, actor="pytest")


@pytest.mark.parametrize(("current", "target"), [c for c in CHANGES if c[1] != "onboarding"])
def test_status_changes_through_the_actions(make_town, tmp_path, current, target):
    """No action returns a town to onboarding; the others refuse every change the lifecycle forbids."""
    town = _town_in(make_town, current, tmp_path)
    trail = _audit_trail(town)
    if (current, target) in LEGAL:
        _by_action(town, target, tmp_path)
        assert Town.objects.get(pk=town.pk).status == target
        assert _audit_trail(town)[-1] == AUDIT_ACTION[target]
    else:
        with pytest.raises(TownError):
            _by_action(town, target, tmp_path)
        assert Town.objects.get(pk=town.pk).status == current
        assert _audit_trail(town) == trail


@pytest.mark.parametrize(("current", "target"), CHANGES)
def test_status_changes_through_the_console(make_town, operator, console_host, tmp_path, current, target):
    from .conftest import host_client

    town = _town_in(make_town, current, tmp_path)
    trail = _audit_trail(town)
    console = host_client(console_host, operator)
    if target == "offboarded":
        if town.status != "offboarded":
            export_town(town, tmp_path / "before-offboarding.zip")
        response = console.post(f"/towns/{town.ags}/offboard/", {"confirm_ags": town.ags}, follow=True)
    else:
        response = console.post(f"/towns/{town.ags}/status/", {"status": target}, follow=True)
    assert response.status_code == 200
    levels = [message.level_tag for message in response.context["messages"]]
    if (current, target) in LEGAL:
        assert Town.objects.get(pk=town.pk).status == target and levels[-1] == "success"
        assert _audit_trail(town)[-1] == AUDIT_ACTION[target]
    else:
        assert Town.objects.get(pk=town.pk).status == current and levels == ["error"]
        assert _audit_trail(town) == trail


@pytest.mark.parametrize("current", STATUSES)
def test_the_towns_api_does_not_change_a_status(make_town, operator, console_host, tmp_path, current):
    """The API reads towns and onboards new ones; onboarding an existing AGS again leaves its status alone."""
    from .conftest import host_client

    town = _town_in(make_town, current, tmp_path)
    api = host_client(console_host, operator)
    for method in (api.patch, api.put):
        response = method(f"/api/v1/towns/{town.ags}/", {"status": "active"}, content_type="application/json")
        assert response.status_code == 405
    again = api.post("/api/v1/towns/", {"ags": town.ags, "name": town.name, "population": 1, "activate": True,
                                        "status": "active"}, content_type="application/json")
    assert again.status_code == (400 if current == "offboarded" else 200)
    assert Town.objects.get(pk=town.pk).status == current
