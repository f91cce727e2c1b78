import hashlib
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction
from django_tenants.utils import schema_context, schema_exists

from kiverbund.audit.models import AuditEntry
from kiverbund.documents.models import Document
from tenants.actions.export import town_media_dir, verify_export
from tenants.models import Domain, Membership, Town, TownExport, TownStatus

from .conftest import host_client


def _add_documents(town, n=3):
    with schema_context(town.schema_name):
        for i in range(n):
            Document.objects.create(title=f"Vertrag {i}", file=ContentFile(f"Inhalt {i}".encode(), name=f"v{i}.txt"))


def test_export_writes_every_model_files_and_a_manifest(town_a, member_factory, tmp_path):
    _add_documents(town_a, 3)
    member_factory(town_a)
    out = tmp_path / "amtsdorf.zip"
    call_command("export_town", ags=town_a.ags, out=out)
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist())
        entries = {e["path"]: e for e in manifest["files"]}
        assert manifest["town"]["ags"] == town_a.ags and manifest["format"] == "kiverbund-town-export"
        assert entries["town/documents.document.json"]["rows"] == 3
        assert entries["public/tenants.town.json"]["rows"] == 1
        assert entries["public/tenants.membership.json"]["rows"] == 1
        assert entries["public/audit.auditentry.json"]["rows"] >= 1
        documents = json.loads(archive.read("town/documents.document.json"))
        assert sorted(d["fields"]["title"] for d in documents) == ["Vertrag 0", "Vertrag 1", "Vertrag 2"]
        uploaded = [p for p in names if p.startswith("files/documents/")]
        assert len(uploaded) == 3
        for path, entry in entries.items():
            assert path in names
            assert hashlib.sha256(archive.read(path)).hexdigest() == entry["sha256"]
    assert verify_export(out)["town"]["name"] == "Amtsdorf"
    record = TownExport.objects.get(town=town_a)
    assert record.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert AuditEntry.objects.filter(action="tenants.town.exported", town=town_a).exists()


def test_offboarding_needs_confirmation_and_an_export(town_a, tmp_path):
    with pytest.raises(CommandError, match="confirm"):
        call_command("offboard_town", ags=town_a.ags)
    with pytest.raises(CommandError, match="export"):
        call_command("offboard_town", ags=town_a.ags, confirm=True)
    assert schema_exists(town_a.schema_name)
    out = tmp_path / "a.zip"
    call_command("export_town", ags=town_a.ags, out=out)
    out.write_bytes(b"tampered")
    with pytest.raises(CommandError, match="verändert"):
        call_command("offboard_town", ags=town_a.ags, confirm=True)
    assert Town.objects.get(pk=town_a.pk).status == TownStatus.ACTIVE


def test_offboarding_erases_data_and_keeps_the_audit_trail(town_a, town_b, member_factory, tmp_path):
    _add_documents(town_a, 2)
    member_factory(town_a)
    media = town_media_dir(town_a)
    assert any(media.rglob("*.txt"))
    call_command("export_town", ags=town_a.ags, out=tmp_path / "a.zip")
    with pytest.raises(CommandError):
        call_command("offboard_town", ags="09999999", confirm=True)
    call_command("offboard_town", ags=town_a.ags, confirm=True)
    town = Town.objects.get(pk=town_a.pk)
    assert town.status == TownStatus.OFFBOARDED and town.offboarded_at
    assert not schema_exists(town_a.schema_name)
    assert not Domain.objects.filter(tenant=town).exists()
    assert not Membership.objects.filter(town=town).exists()
    actions = set(AuditEntry.objects.filter(town=town).values_list("action", flat=True))
    assert {"tenants.town.onboarded", "tenants.town.exported", "tenants.town.offboarded"} <= actions
    assert host_client(town_a.host).get("/").status_code == 404
    # The other town is untouched.
    assert schema_exists(town_b.schema_name)
    assert host_client(town_b.host).get("/").status_code == 200
    # Once offboarded, the AGS cannot quietly come back, and there is nothing left to export.
    with pytest.raises(CommandError, match="abgemeldet"):
        call_command("onboard_town", ags=town_a.ags, name=town_a.name, population="1")
    with pytest.raises(CommandError, match="abgemeldet"):
        call_command("export_town", ags=town_a.ags, out=tmp_path / "again.zip")


@pytest.mark.django_db(transaction=True)
def test_offboarding_removes_uploaded_files_after_commit(tmp_path):
    from tenants.actions import TownData, offboard_town, onboard_town
    from tenants.actions.export import export_town

    town, _ = onboard_town(TownData(ags="09999401", name="Dateidorf", population=10))
    try:
        _add_documents(town, 1)
        export_town(town, tmp_path / "d.zip")
        offboard_town(town, confirm=True)
        assert not town_media_dir(town).exists()
    finally:
        from tenants.schemas import drop_schema
        drop_schema(town.schema_name)


def test_audit_log_is_append_only(town_a):
    entry = AuditEntry.objects.filter(town=town_a).first()
    with pytest.raises(Exception, match="append-only"):
        entry.details = {"changed": True}
        entry.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(actor="someone else")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).actor == "pytest"


def test_audit_actions_must_be_namespaced(db):
    from django.core.exceptions import ValidationError

    from kiverbund.audit.log import log_action

    with pytest.raises(ValidationError):
        log_action("onboarded")
    assert log_action("tenants.town.checked", actor="x").pk
