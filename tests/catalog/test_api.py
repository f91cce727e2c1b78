"""The catalogue API at town hosts and at the console host."""

from catalog.models import ChecklistItem, Offering, Subscription, SubscriptionStatus
from catalog.registry import get_all_services
from tenants.models import Role

from ..conftest import host_client


def test_town_admin_subscribes_through_the_api(town_a, town_b, offering, member_factory):
    admin = member_factory(town_a, Role.TOWN_ADMIN)
    api = host_client(town_a.host, admin)
    rows = {row["service"]["key"]: row for row in api.get("/api/v1/catalogue/").json()}
    assert sorted(rows) == sorted(get_all_services())  # every registered service, offered or not
    row = rows["echo"]
    preview = row["offerings"][0]["cost_preview"]
    # No costs entered yet: a twelfth of the announced annual pool, and the API says it is an estimate.
    assert preview["alone"] == "1000.00" and preview["estimate"] is True and preview["assumptions"]
    created = api.post("/api/v1/subscriptions/", {"offering": offering.pk}, content_type="application/json")
    assert created.status_code == 201, created.content
    sid = created.json()["id"]
    refused = api.post(f"/api/v1/subscriptions/{sid}/activate/")
    assert refused.status_code == 400 and refused.json()["detail"]
    bad = api.post(f"/api/v1/subscriptions/{sid}/checklist/", {"item": "avv", "avv_version": "alt"},
                   content_type="application/json")
    assert bad.status_code == 400
    for item in ChecklistItem.values:
        response = api.post(f"/api/v1/subscriptions/{sid}/checklist/",
                            {"item": item, "avv_version": "2026-01", "dpia_not_required_reason": "anonym"},
                            content_type="application/json")
        assert response.status_code == 200, response.content
    assert api.post(f"/api/v1/subscriptions/{sid}/activate/").json()["status"] == SubscriptionStatus.ACTIVE
    (entry,) = api.get("/api/v1/register/").json()["results"]
    edited = api.patch(f"/api/v1/register/{entry['id']}/", {"texts": {"contact": "dsb@amtsdorf.example"}},
                       content_type="application/json")
    assert edited.status_code == 200 and edited.json()["version"] == 2
    # Another town's API does not see Amtsdorf's subscription.
    other = host_client(town_b.host, member_factory(town_b, Role.TOWN_ADMIN))
    assert other.get(f"/api/v1/subscriptions/{sid}/").status_code == 404
    assert other.get("/api/v1/subscriptions/").json()["results"] == []


def test_roles_are_enforced_in_the_town_api(town_a, offering, member_factory):
    staff = host_client(town_a.host, member_factory(town_a, Role.TOWN_STAFF))
    assert staff.post("/api/v1/subscriptions/", {"offering": offering.pk},
                      content_type="application/json").status_code == 403
    assert not Subscription.objects.exists()
    assert host_client(town_a.host).get("/api/v1/catalogue/").status_code == 401


def test_console_api_offerings_and_approval(town_a, echo_service, operator, console_host, subscribe):
    api = host_client(console_host, operator)
    assert [s["key"] for s in api.get("/api/v1/services/").json()["results"]] == sorted(get_all_services())
    created = api.post("/api/v1/offerings/", {
        "service": "echo", "provider": "Kreis-IT", "contract_title": "AVV", "contract_version": "3",
        "price_model": "per_inhabitant", "amount": "0.2500", "requires_county_approval": True,
    }, content_type="application/json")
    assert created.status_code == 201, created.content
    oid = created.json()["id"]
    assert api.patch(f"/api/v1/offerings/{oid}/", {"amount": "0.3000"},
                     content_type="application/json").json()["amount"] == "0.3000"
    subscription = subscribe(town_a, Offering.objects.get(pk=oid))
    assert subscription.status == SubscriptionStatus.AWAITING_APPROVAL
    approved = api.post(f"/api/v1/county/subscriptions/{subscription.pk}/approve/")
    assert approved.json()["status"] == SubscriptionStatus.ACTIVE
    assert len(api.get("/api/v1/county/register/").json()["entries"]) == 1
    assert host_client(console_host).get("/api/v1/offerings/").status_code == 401



def _queries(client, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)



def test_list_endpoints_do_not_grow_with_rows(town_a, make_town, offering, subscribe, operator, console_host):
    subscribe(town_a, offering)
    client = host_client(console_host, operator)
    paths = ["/api/v1/county/subscriptions/", "/api/v1/county/register/", "/ki-register/"]
    for path in paths:
        _queries(client, path)  # warm the session
    one = {path: _queries(client, path) for path in paths}
    for _ in range(3):
        subscribe(make_town(), offering)
    assert {path: _queries(client, path) for path in paths} == one


def test_a_request_is_withdrawn_through_the_api(town_a, offering, subscribe, member_factory):
    from core.audit.models import AuditEntry

    admin = member_factory(town_a, Role.TOWN_ADMIN)
    staff = member_factory(town_a, Role.TOWN_STAFF)
    api = host_client(town_a.host, admin)
    sid = api.post("/api/v1/subscriptions/", {"offering": offering.pk}, content_type="application/json").json()["id"]
    assert host_client(town_a.host, staff).post(f"/api/v1/subscriptions/{sid}/withdraw/").status_code == 403
    response = api.post(f"/api/v1/subscriptions/{sid}/withdraw/")
    assert response.status_code == 200 and response.json()["status"] == SubscriptionStatus.WITHDRAWN
    (entry,) = AuditEntry.objects.filter(action="catalog.subscription.withdrawn", town=town_a)
    assert entry.actor == admin.username and entry.details["subscription_id"] == sid
    again = api.post(f"/api/v1/subscriptions/{sid}/withdraw/")
    assert again.status_code == 400 and again.json()["detail"]
    active = subscribe(town_a, offering)
    assert api.post(f"/api/v1/subscriptions/{active.pk}/withdraw/").status_code == 400
    assert Subscription.objects.get(pk=active.pk).status == SubscriptionStatus.ACTIVE
