"""Registry, subscription workflow, entitlement of views, API and tasks, and the end date."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context

from catalog.actions import (
    CatalogError,
    activate_subscription,
    approve_subscription,
    cancel_subscription,
    confirm_checklist_item,
    end_expired_subscriptions,
    request_subscription,
    sign_off_checklist,
    sync_catalogue,
    withdraw_subscription,
)
from catalog.entitlement import ServiceNotSubscribed, has_active_subscription
from catalog.models import ChecklistItem, SubscriptionStatus
from catalog.registry import get_all_services
from core.audit.models import AuditEntry
from core.documents.models import Document
from tenants.models import Role

from ..conftest import host_client
from .conftest import complete_checklist


def test_registry_finds_the_test_service_and_the_catalogue_syncs(echo_service):
    assert "echo" in get_all_services()
    assert echo_service.registered and echo_service.descriptor["units"][0]["minutes_saved"] == "0.5"
    assert sync_catalogue(actor="pytest") == []  # idempotent
    assert not AuditEntry.objects.filter(action__startswith="catalog.service.").exists()  # migrate: not audited


def test_workflow_with_audit_trail(town_a, offering, make_offering, member_factory):
    admin = member_factory(town_a, Role.TOWN_ADMIN)
    dpo = member_factory(town_a, Role.DPO)
    subscription = request_subscription(town_a, offering, actor=admin)
    with pytest.raises(CatalogError, match="[Cc]heckliste?"):
        activate_subscription(subscription, actor=admin)
    with pytest.raises(CatalogError, match="2026-01"):
        confirm_checklist_item(subscription, ChecklistItem.AVV, actor=admin, avv_version="2025-01")
    with pytest.raises(CatalogError):
        confirm_checklist_item(subscription, ChecklistItem.DPIA, actor=admin)
    upload = SimpleUploadedFile("dsfa.pdf", b"%PDF-1.4 DSFA", content_type="application/pdf")
    entry = confirm_checklist_item(subscription, ChecklistItem.DPIA, actor=dpo, dpia_file=upload)
    with schema_context(town_a.schema_name):
        assert Document.objects.get(pk=entry.details["document_id"]).sha256 == entry.details["sha256"]
    with pytest.raises(CatalogError):
        sign_off_checklist(subscription, actor=dpo)
    for item in ChecklistItem.values:
        if item != ChecklistItem.DPIA:
            confirm_checklist_item(subscription, item, actor=admin, avv_version="2026-01")
    sign_off_checklist(subscription, actor=dpo, note="ok")
    activate_subscription(subscription, actor=admin)
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE and subscription.activated_by == admin.username
    actions = list(AuditEntry.objects.filter(town=town_a, action__startswith="catalog.").values_list("action", "actor"))
    assert ("catalog.subscription.requested", admin.username) in actions
    assert ("catalog.checklist.signed_off", dpo.username) in actions
    assert ("catalog.subscription.activated", admin.username) in actions
    assert len([a for a, _ in actions if a == "catalog.checklist.confirmed"]) == 6
    with pytest.raises(CatalogError):
        request_subscription(town_a, offering, actor=admin)
    with pytest.raises(CatalogError):  # not through another offering of the same service either
        request_subscription(town_a, make_offering(price_model="base_fee"), actor=admin)


def test_county_approval(town_a, make_offering, operator):
    offering = make_offering(requires_county_approval=True)
    subscription = request_subscription(town_a, offering, actor="a")
    complete_checklist(subscription, "a")
    assert activate_subscription(subscription, actor="a").status == SubscriptionStatus.AWAITING_APPROVAL
    assert not has_active_subscription(town_a, "echo")
    assert approve_subscription(subscription, actor=operator).status == SubscriptionStatus.ACTIVE
    assert has_active_subscription(town_a, "echo")


def test_service_answers_for_subscribed_town_only(town_a, town_b, offering, subscribe, member_factory):
    subscribe(town_a, offering)
    for town, expected in ((town_a, 200), (town_b, 403)):
        user = member_factory(town, Role.TOWN_STAFF)
        page = host_client(town.host, user).get("/echo/?q=hallo")
        api = host_client(town.host, user).get("/api/v1/echo/?q=hallo")
        assert (page.status_code, api.status_code) == (expected, expected)
        if expected == 200:
            assert page.json() == {"echo": "hallo", "town": town.slug} and api.json()["town"] == town.slug
        else:
            assert "Katalog" in page.content.decode() or "catalogue" in page.content.decode()
            assert "/catalogue/echo/" in api.json()["detail"]


def test_task_runs_only_in_subscribed_towns(town_a, town_b, offering, subscribe):
    from catalog.testing.echo.tasks import echo

    subscribe(town_a, offering)
    with schema_context(town_a.schema_name):
        assert echo.apply(args=["x"]).get() == "x"
    with schema_context(town_b.schema_name):
        with pytest.raises(ServiceNotSubscribed):
            echo.apply(args=["x"]).get()


def test_cancellation_stops_at_the_end_date(town_a, offering, subscribe):
    subscription = subscribe(town_a, offering)
    today = timezone.localdate()
    with pytest.raises(CatalogError):
        cancel_subscription(subscription, ends_on=today - datetime.timedelta(days=1), actor="a")
    cancel_subscription(subscription, ends_on=today + datetime.timedelta(days=30), actor="a")
    assert has_active_subscription(town_a, "echo")
    assert end_expired_subscriptions(today=today) == []
    assert end_expired_subscriptions(today=today + datetime.timedelta(days=30)) == [subscription.pk]
    assert end_expired_subscriptions(today=today + datetime.timedelta(days=31)) == []
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ENDED
    assert not has_active_subscription(town_a, "echo")
    assert AuditEntry.objects.filter(action="catalog.subscription.ended", town=town_a).count() == 1


def test_end_task_is_scheduled(settings):
    entries = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "catalog.end_expired_subscriptions" in entries


def test_sync_marks_removed_services_and_audits(echo_service, settings):
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "catalog.testing.echo"]
    assert sync_catalogue(actor="kreis-it") == ["echo"]
    echo_service.refresh_from_db()
    assert not echo_service.registered
    assert AuditEntry.objects.get(action="catalog.service.unregistered").actor == "kreis-it"


def test_service_roles_are_checked_at_the_mount_point(town_a, offering, subscribe, member_factory):
    """The echo service admits town_admin and town_staff only; the gate refuses other members."""
    subscribe(town_a, offering)
    assert host_client(town_a.host, member_factory(town_a, Role.TOWN_STAFF)).get("/echo/").status_code == 200
    finance = member_factory(town_a, Role.FINANCE, username="kaemmerer")
    for path in ("/echo/", "/api/v1/echo/"):
        page = host_client(town_a.host, finance).get(path)
        assert page.status_code == 403 and ("Rolle" in page.content.decode() or "role" in page.content.decode())


def _audit(town, action):
    return list(AuditEntry.objects.filter(town=town, action=action).order_by("id"))


def _register(town):
    import jsonschema

    from catalog.register import schema

    data = host_client(town.host).get("/ki-register.json").json()
    jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker()).validate(data)
    return data["entries"]


def test_cancellation_is_audited_and_the_register_entry_retires_at_the_end_date(town_a, offering, subscribe,
                                                                                member_factory):
    admin = member_factory(town_a, Role.TOWN_ADMIN)
    subscription = subscribe(town_a, offering, actor=admin)
    client = host_client(town_a.host, admin)
    today = timezone.localdate()
    ends_on = today + datetime.timedelta(days=30)
    assert client.post(f"/subscriptions/{subscription.pk}/cancel/", {"ends_on": "2000-01-01"}).status_code == 302
    assert _audit(town_a, "catalog.subscription.cancelled") == []  # refused: nothing recorded
    assert client.post(f"/subscriptions/{subscription.pk}/cancel/",
                       {"ends_on": ends_on.isoformat()}).status_code == 302
    (cancelled,) = _audit(town_a, "catalog.subscription.cancelled")
    assert cancelled.actor == admin.username
    assert cancelled.details == {"subscription_id": subscription.pk, "service": "echo",
                                 "ends_on": ends_on.isoformat()}
    subscription.refresh_from_db()
    assert (subscription.cancelled_by, subscription.ends_on) == (admin.username, ends_on)
    # Cancelled but still running: in use, with its announced end date.
    (entry,) = _register(town_a)
    assert (entry["status"], entry["start_date"], entry["end_date"]) == (
        "in_use", today.isoformat(), ends_on.isoformat())

    assert end_expired_subscriptions(today=ends_on) == [subscription.pk]
    (ended,) = _audit(town_a, "catalog.subscription.ended")
    assert ended.actor == "system" and ended.details == {"subscription_id": subscription.pk, "service": "echo",
                                                         "ends_on": ends_on.isoformat()}
    # The register keeps the system, retired, with the day it stopped.
    (entry,) = _register(town_a)
    assert (entry["status"], entry["start_date"], entry["end_date"]) == (
        "retired", today.isoformat(), ends_on.isoformat())
    page = host_client(town_a.host).get("/ki-register/").content.decode()
    assert "Außer Betrieb" in page and "Echo test service" in page
    rows = list(csv.reader(io.StringIO(host_client(town_a.host).get("/ki-register.csv").content.decode("utf-8-sig")),
                           delimiter=";"))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert (record["status"], record["end_date"]) == ("retired", ends_on.isoformat())

    with pytest.raises(CatalogError):  # an ended subscription cannot be cancelled again
        cancel_subscription(subscription, ends_on=ends_on, actor=admin)
    assert len(_audit(town_a, "catalog.subscription.cancelled")) == 1


def test_an_end_date_of_today_stops_the_service_and_the_register_before_the_task_runs(town_a, offering, subscribe):
    subscription = subscribe(town_a, offering)
    today = timezone.localdate()
    cancel_subscription(subscription, ends_on=today, actor="a")
    assert not has_active_subscription(town_a, "echo")
    (entry,) = _register(town_a)
    assert (entry["status"], entry["end_date"]) == ("retired", today.isoformat())


def test_county_approval_is_audited(town_a, make_offering, member_factory, operator, console_host):
    offering = make_offering(requires_county_approval=True)
    admin = member_factory(town_a, Role.TOWN_ADMIN)
    subscription = request_subscription(town_a, offering, actor=admin)
    complete_checklist(subscription, admin)
    assert host_client(town_a.host, admin).post(f"/subscriptions/{subscription.pk}/activate/").status_code == 302
    (asked,) = _audit(town_a, "catalog.subscription.approval_requested")
    assert asked.actor == admin.username
    assert asked.details == {"subscription_id": subscription.pk, "service": "echo"}
    assert _audit(town_a, "catalog.subscription.activated") == []
    assert _register(town_a) == []  # not in use before the county approves

    console = host_client(console_host, operator)
    assert console.post(f"/catalogue/subscriptions/{subscription.pk}/approve/").status_code == 302
    (approved,) = _audit(town_a, "catalog.subscription.approved")
    assert approved.actor == operator.username
    assert approved.details == {"subscription_id": subscription.pk, "service": "echo"}
    (activated,) = _audit(town_a, "catalog.subscription.activated")
    assert activated.actor == operator.username and activated.details["contract_version"] == "2026-01"
    assert approved.pk < activated.pk
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE and subscription.approved_by == operator.username
    # Approving again changes nothing and records nothing.
    console.post(f"/catalogue/subscriptions/{subscription.pk}/approve/")
    assert len(_audit(town_a, "catalog.subscription.approved")) == 1
    assert [e["status"] for e in _register(town_a)] == ["in_use"]


def test_withdrawal_is_audited(town_a, make_offering, member_factory):
    admin = member_factory(town_a, Role.TOWN_ADMIN)
    client = host_client(town_a.host, admin)
    requested = request_subscription(town_a, make_offering(), actor=admin)
    assert client.post(f"/subscriptions/{requested.pk}/withdraw/").status_code == 302
    (withdrawn,) = _audit(town_a, "catalog.subscription.withdrawn")
    assert withdrawn.actor == admin.username
    assert withdrawn.details == {"subscription_id": requested.pk, "service": "echo"}
    requested.refresh_from_db()
    assert requested.status == SubscriptionStatus.WITHDRAWN
    with pytest.raises(CatalogError):
        withdraw_subscription(requested, actor=admin)
    assert len(_audit(town_a, "catalog.subscription.withdrawn")) == 1

    # A request waiting for the county can be withdrawn too; the town may then ask again.
    waiting = request_subscription(town_a, make_offering(requires_county_approval=True), actor=admin)
    complete_checklist(waiting, admin)
    assert activate_subscription(waiting, actor=admin).status == SubscriptionStatus.AWAITING_APPROVAL
    assert client.post(f"/subscriptions/{waiting.pk}/withdraw/").status_code == 302
    assert [e.details["subscription_id"] for e in _audit(town_a, "catalog.subscription.withdrawn")] == [
        requested.pk, waiting.pk]
    with pytest.raises(CatalogError):
        approve_subscription(waiting, actor="kreis-it")
    assert _audit(town_a, "catalog.subscription.approved") == []
    assert _register(town_a) == []  # never in use, never published
