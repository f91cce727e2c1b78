import hashlib
import json
import zipfile
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists

from core.audit.models import AuditEntry
from core.documents.models import Document
from tenants.actions.export import town_media_dir, verify_export
from tenants.models import Domain, Membership, Town, TownExport, TownStatus

from .catalog.conftest import echo_service, make_offering, offering, subscribe  # noqa: F401  (fixtures)
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


def _read_export(path):
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        tables = {e["path"]: json.loads(archive.read(e["path"])) for e in manifest["files"] if e["kind"] == "model"}
    return manifest, tables


def _shared_models_pointing_at_town():
    """Worked out here independently of the export code: public models with a direct key to Town."""
    shared = set(settings.SHARED_APPS)
    return sorted(
        model._meta.label_lower for model in apps.get_models(include_auto_created=True)
        if apps.get_app_config(model._meta.app_label).name in shared and not model._meta.proxy
        and any(f.is_relation and f.concrete and f.related_model is Town for f in model._meta.get_fields()))


def test_every_public_model_with_a_key_to_the_town_is_exported(town_a, tmp_path):
    """A shared model that points at Town holds town data: a new one must land in the export by itself."""
    direct = _shared_models_pointing_at_town()
    # The models known today, so that this test cannot pass by finding nothing.
    assert {"tenants.domain", "tenants.membership", "tenants.invitation", "tenants.townexport",
            "audit.auditentry", "catalog.subscription", "catalog.registerentry", "billing.usageevent",
            "billing.statement", "billing.efficiencyoverride"} <= set(direct)
    out = tmp_path / "a.zip"
    call_command("export_town", ags=town_a.ags, out=out)
    manifest, _tables = _read_export(out)
    exported = {e["path"] for e in manifest["files"]}
    missing = [label for label in direct if f"public/{label}.json" not in exported]
    assert not missing, f"public models with a foreign key to Town missing from the export: {missing}"
    # Rows reached through another model (checklist → subscription → town) count as the town's too.
    for label in ("catalog.checklistentry", "catalog.dposignoff", "catalog.registerentryversion"):
        assert f"public/{label}.json" in exported
    # Catalogue-wide rows belong to no town.
    assert not exported & {"public/catalog.offering.json", "public/catalog.service.json", "public/auth.user.json"}


def test_export_holds_the_towns_public_rows_and_only_its_own(town_a, town_b, offering, subscribe,  # noqa: F811
                                                             member_factory, tmp_path):
    from billing.actions import run_period
    from billing.metering import record_usage
    from billing.models import AllocationRule, CostPool, EfficiencyOverride
    from catalog.actions import sign_off_checklist, update_register_entry
    from tenants.models import Invitation, Role

    admin = member_factory(town_a, Role.TOWN_ADMIN)
    dpo = member_factory(town_a, Role.DPO)
    member_factory(town_b, Role.TOWN_ADMIN)
    mine, theirs = subscribe(town_a, offering, actor=admin), subscribe(town_b, offering)
    sign_off_checklist(mine, actor=dpo)
    update_register_entry(mine.register_entry, {"purpose": "Testzweck"}, actor=dpo)
    now = timezone.now()
    for town, count in ((town_a, 3), (town_b, 5)):
        for i in range(count):
            record_usage(town, "echo", "echo", 1, f"{town.slug}-{i}", now)
    month = timezone.localdate().replace(day=1)
    CostPool.objects.create(service="echo", period=month, category="licences", amount=Decimal("1000.00"))
    AllocationRule.objects.create(service="echo", kind="usage", usage_unit="echo")
    run_period(month)
    EfficiencyOverride.objects.create(town=town_a, service="echo", unit="echo", minutes_saved=Decimal("2"))
    Invitation.objects.create(town=town_a, email="kollegin@amtsdorf.example", role=Role.TOWN_STAFF)
    Invitation.objects.create(town=town_b, email="kollege@burgheim.example", role=Role.TOWN_STAFF)
    call_command("export_town", ags=town_a.ags, out=tmp_path / "first.zip")

    out = tmp_path / "a.zip"
    call_command("export_town", ags=town_a.ags, out=out)
    manifest, tables = _read_export(out)
    rows = {e["path"]: e["rows"] for e in manifest["files"] if e["kind"] == "model"}
    assert manifest["format_version"] == 2
    assert {path: rows[path] for path in [
        "public/tenants.town.json", "public/tenants.domain.json", "public/tenants.membership.json",
        "public/tenants.invitation.json", "public/tenants.townexport.json", "public/catalog.subscription.json",
        "public/catalog.checklistentry.json", "public/catalog.dposignoff.json", "public/catalog.registerentry.json",
        "public/catalog.registerentryversion.json", "public/billing.usageevent.json",
        "public/billing.statement.json", "public/billing.efficiencyoverride.json"]} == {
        "public/tenants.town.json": 1, "public/tenants.domain.json": 1, "public/tenants.membership.json": 2,
        "public/tenants.invitation.json": 1, "public/tenants.townexport.json": 1,
        "public/catalog.subscription.json": 1, "public/catalog.checklistentry.json": 6,
        "public/catalog.dposignoff.json": 1, "public/catalog.registerentry.json": 1,
        "public/catalog.registerentryversion.json": 2, "public/billing.usageevent.json": 3,
        "public/billing.statement.json": 1, "public/billing.efficiencyoverride.json": 1}
    # Every row is town A's: by its key to the town, or through the subscription it belongs to.
    for path in ("public/tenants.membership.json", "public/tenants.invitation.json",
                 "public/catalog.subscription.json", "public/catalog.registerentry.json",
                 "public/billing.usageevent.json", "public/billing.statement.json"):
        assert {row["fields"]["town"] for row in tables[path]} == {town_a.pk}, path
    assert {row["fields"]["subscription"] for row in tables["public/catalog.checklistentry.json"]} == {mine.pk}
    assert theirs.pk not in {row["pk"] for row in tables["public/catalog.subscription.json"]}
    assert [row["fields"]["version"] for row in tables["public/catalog.registerentryversion.json"]] == [1, 2]
    assert tables["public/tenants.invitation.json"][0]["fields"]["email"] == "kollegin@amtsdorf.example"
    # Members are named by user name, not by a database id that means nothing outside the platform.
    assert sorted(row["fields"]["user"] for row in tables["public/tenants.membership.json"]) == [
        [dpo.username], [admin.username]]
    audit = {row["fields"]["action"] for row in tables["public/audit.auditentry.json"]}
    assert {"catalog.subscription.activated", "catalog.checklist.signed_off", "catalog.register.updated",
            "tenants.town.exported"} <= audit
    assert all(row["fields"]["town"] == town_a.pk for row in tables["public/audit.auditentry.json"])
    assert verify_export(out)["files"] == manifest["files"]


def test_offboarding_needs_confirmation_and_an_export(town_a, tmp_path):
    with pytest.raises(CommandError, match="bestätigen"):
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


def test_offboarding_ends_the_towns_subscriptions_and_removes_invitations(  # noqa: F811  (fixtures)
        town_a, town_b, make_offering, subscribe, tmp_path):
    """An offboarded town stops being a subscriber (cost preview, register), and its pending requests go."""
    from catalog.actions import request_subscription, save_offering
    from catalog.models import Service, Subscription, SubscriptionStatus
    from catalog.pricing import cost_preview
    from catalog.register import document
    from tenants.models import Invitation, Role

    pool = make_offering()
    active = subscribe(town_a, pool)
    subscribe(town_b, pool)
    chatbot = save_offering({"provider": "Kreis-IT", "contract_title": "AVV Chatbot", "contract_version": "1",
                             "price_model": "base_fee", "amount": Decimal("100")}, actor="pytest",
                            service=Service.objects.get(key="chatbot"))
    requested = request_subscription(town_a, chatbot, actor="pytest")  # still open: withdrawn on offboarding
    Invitation.objects.create(town=town_a, email="kollegin@amtsdorf.example", role=Role.TOWN_STAFF)
    Invitation.objects.create(town=town_b, email="kollege@burgheim.example", role=Role.TOWN_STAFF)
    assert [t.name for t in cost_preview(pool, town_b).participants] == ["Amtsdorf", "Burgheim"]
    call_command("export_town", ags=town_a.ags, out=tmp_path / "a.zip")
    call_command("offboard_town", ags=town_a.ags, confirm=True)

    active.refresh_from_db()
    today = timezone.localdate()
    assert (active.status, active.ends_on, timezone.localdate(active.ended_at)) == (
        SubscriptionStatus.ENDED, today, today)
    (ended,) = AuditEntry.objects.filter(town=town_a, action="catalog.subscription.ended")
    assert ended.actor == "cli:offboard_town" and ended.details["reason"] == "town_offboarded"
    offboarded = AuditEntry.objects.get(town=town_a, action="tenants.town.offboarded")
    assert offboarded.details["subscriptions_ended"] == [active.pk] and offboarded.details["invitations_removed"] == 1
    requested.refresh_from_db()
    assert requested.status == SubscriptionStatus.WITHDRAWN
    assert offboarded.details["subscriptions_withdrawn"] == [requested.pk]
    assert AuditEntry.objects.get(town=town_a, action="catalog.subscription.withdrawn").details["reason"] == (
        "town_offboarded")
    assert not Invitation.objects.filter(town=town_a).exists() and Invitation.objects.filter(town=town_b).exists()
    assert [t.name for t in cost_preview(pool, town_b).participants] == ["Burgheim"]
    statuses = {e["organisation"]["name"]: e["status"] for e in document()["entries"]}
    assert statuses == {"Amtsdorf": "retired", "Burgheim": "in_use"}
    assert Subscription.objects.get(town=town_b).status == SubscriptionStatus.ACTIVE


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

    from core.audit.log import log_action

    with pytest.raises(ValidationError):
        log_action("onboarded")
    assert log_action("tenants.town.checked", actor="x").pk
