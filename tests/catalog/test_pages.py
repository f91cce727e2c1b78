"""Town staff's catalogue pages and the console's offering administration, through HTTP."""

from decimal import Decimal

from catalog.models import ChecklistItem, Offering, Subscription, SubscriptionStatus
from core.audit.models import AuditEntry
from tenants.models import Role

from ..conftest import host_client


def test_town_admin_subscribes_through_the_pages(town_a, town_b, offering, member_factory, subscribe):
    subscribe(town_b, offering)
    admin = member_factory(town_a, Role.TOWN_ADMIN)
    client = host_client(town_a.host, admin)
    page = client.get("/catalogue/echo/").content.decode()
    # A twelfth of the 12,000 € annual pool (no costs entered yet), split 10,000 : 10,000 inhabitants.
    assert "Burgheim" in page and "500,00" in page and "Schätzung" in page
    assert client.post("/catalogue/echo/request/", {"offering": offering.pk}).status_code == 302
    subscription = Subscription.objects.get(town=town_a)
    assert client.post(f"/subscriptions/{subscription.pk}/activate/").status_code == 302
    assert Subscription.objects.get(pk=subscription.pk).status == SubscriptionStatus.REQUESTED
    for item in ChecklistItem.values:
        client.post(f"/subscriptions/{subscription.pk}/checklist/{item}/",
                    {"avv_version": "2026-01", "dpia_not_required_reason": "keine personenbezogenen Daten"})
    client.post(f"/subscriptions/{subscription.pk}/activate/")
    assert Subscription.objects.get(pk=subscription.pk).status == SubscriptionStatus.ACTIVE
    assert client.post(f"/subscriptions/{subscription.pk}/cancel/", {"ends_on": "2000-01-01"}).status_code == 302
    assert Subscription.objects.get(pk=subscription.pk).ends_on is None


def test_staff_may_look_but_not_subscribe(town_a, offering, member_factory):
    staff = member_factory(town_a, Role.TOWN_STAFF)
    client = host_client(town_a.host, staff)
    assert client.get("/catalogue/").status_code == 200
    assert client.post("/catalogue/echo/request/", {"offering": offering.pk}).status_code == 403
    assert not Subscription.objects.exists()


def test_foreign_subscription_is_not_found(town_a, town_b, offering, subscribe, member_factory):
    subscription = subscribe(town_b, offering)
    admin = member_factory(town_a, Role.TOWN_ADMIN)
    assert host_client(town_a.host, admin).post(f"/subscriptions/{subscription.pk}/cancel/",
                                                {"ends_on": "2099-01-01"}).status_code == 404


def test_operator_edits_an_offering_with_audit(echo_service, operator, console_host):
    client = host_client(console_host, operator)
    form = {"service": echo_service.pk, "provider": "Kreis-IT", "contract_title": "AVV", "contract_version": "1",
            "price_model": "base_fee", "amount": "1500.00", "available": "on"}
    assert client.post("/catalogue/offerings/new/", form).status_code == 302
    offering = Offering.objects.get()
    assert client.post(f"/catalogue/offerings/{offering.pk}/", {**form, "amount": "1750.50"}).status_code == 302
    offering.refresh_from_db()
    assert offering.amount == Decimal("1750.50")
    change = AuditEntry.objects.get(action="catalog.offering.changed")
    assert change.details["changes"]["amount"] == ["1500.0000", "1750.50"]
    assert client.post("/catalogue/offerings/new/", {**form, "amount": "-1"}).status_code == 400
