"""Every role against its own town and a foreign town, over representative pages (pretix-style table).

People's memberships are what single sign-on writes (``sync_user_from_claims``);
the same checks for bearer tokens from the real Keycloak are in tests/sso/.
"""

import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import schema_context

from core.documents.models import Document
from identity.sync import sync_user_from_claims
from tenants.models import TownExport

from .conftest import host_client

ROLES = ["town_admin", "town_staff", "finance", "dpo", "platform_admin", "county_finance", "anonymous"]
TOWN_MEMBER_ROLES = {"town_admin", "town_staff", "finance", "dpo"}

# (method, path, who may: set of roles in their own town, expected status when allowed, when refused)
TOWN_ENDPOINTS = [
    ("get", "/", ROLES, 200, None),
    ("get", "/documents/", TOWN_MEMBER_ROLES | {"platform_admin"}, 200, 403),
    ("post", "/documents/", TOWN_MEMBER_ROLES | {"platform_admin"}, 302, 403),
    ("get", "/documents/{doc}/download/", TOWN_MEMBER_ROLES | {"platform_admin"}, 200, 403),
    ("get", "/api/v1/town/", TOWN_MEMBER_ROLES | {"platform_admin"}, 200, 403),
    # catalogue and subscriptions: every member may look
    ("get", "/catalogue/", TOWN_MEMBER_ROLES | {"platform_admin"}, 200, 403),
    ("get", "/catalogue/echo/", TOWN_MEMBER_ROLES | {"platform_admin"}, 200, 403),
    ("get", "/api/v1/catalogue/", TOWN_MEMBER_ROLES | {"platform_admin"}, 200, 403),
    ("get", "/api/v1/subscriptions/", TOWN_MEMBER_ROLES | {"platform_admin"}, 200, 403),
    ("get", "/api/v1/register/", TOWN_MEMBER_ROLES | {"platform_admin"}, 200, 403),
    # the KI-Register is public; editing it is for the DPO and the town admin
    ("get", "/ki-register/", ROLES, 200, None),
    ("get", "/ki-register.json", ROLES, 200, None),
    ("get", "/ki-register.csv", ROLES, 200, None),
    ("get", "/ki-register/{entry}/edit/", {"town_admin", "dpo", "platform_admin"}, 200, 403),
    # cost reports: the town's finance department and its administrators
    ("get", "/finance/", {"finance", "town_admin", "platform_admin"}, 200, 403),
    ("get", "/api/v1/finance/statements/", {"finance", "town_admin", "platform_admin"}, 200, 403),
]
CONSOLE_ENDPOINTS = [
    ("get", "/", {"platform_admin"}, 200, 403),
    ("get", "/towns/{ags}/", {"platform_admin"}, 200, 403),
    ("get", "/towns/{ags}/exports/{export}/", {"platform_admin"}, 200, 403),
    ("get", "/api/v1/towns/", {"platform_admin"}, 200, 403),
    ("get", "/catalogue/", {"platform_admin"}, 200, 403),
    ("get", "/catalogue/offerings/{offering}/", {"platform_admin"}, 200, 403),
    ("get", "/ki-register/", {"platform_admin"}, 200, 403),
    ("get", "/api/v1/services/", {"platform_admin"}, 200, 403),
    ("get", "/api/v1/offerings/", {"platform_admin"}, 200, 403),
    ("get", "/api/v1/county/subscriptions/", {"platform_admin"}, 200, 403),
    ("get", "/api/v1/county/register/", {"platform_admin"}, 200, 403),
    # cost sharing: county IT and county finance
    ("get", "/finance/", {"platform_admin", "county_finance"}, 200, 403),
    ("get", "/api/v1/billing/statements/", {"platform_admin", "county_finance"}, 200, 403),
    ("get", "/api/v1/billing/pools/", {"platform_admin", "county_finance"}, 200, 403),
]


@pytest.fixture
def world(town_a, town_b, tmp_path):
    from catalog.models import RegisterEntry
    from tenants.actions import export_town

    from .catalog.conftest import echo_offering, subscribe_through_workflow

    offering = echo_offering()
    subscribe_through_workflow(town_a, offering)

    with schema_context(town_a.schema_name):
        doc = Document.objects.create(title="Vertrag", file=ContentFile(b"x", name="v.txt"))
    export_town(town_a, tmp_path / "a.zip")
    users = {}
    for role in ROLES[:-1]:
        county_wide = role in {"platform_admin", "county_finance"}
        claims = {"preferred_username": f"{role}-amtsdorf", "email": f"{role}@amtsdorf.example",
                  "roles": [role] if county_wide else [],
                  "organization": [] if county_wide else [town_a.slug],
                  "groups": [] if county_wide else [f"/towns/{town_a.slug}/{role}"]}
        users[role] = sync_user_from_claims(claims)
    return {"a": town_a, "b": town_b, "doc": doc.pk, "export": TownExport.objects.get(town=town_a).pk, "users": users,
            "entry": RegisterEntry.objects.get(town=town_a).pk, "offering": offering.pk}


def _request(client, method, path):
    if method == "post":
        return client.post(path, {"title": "Neu", "file": ContentFile(b"neu", name="neu.txt")})
    return client.get(path)


def _expected(role, allowed, ok, refused, own):
    if role == "anonymous" and refused is not None:
        return None  # checked separately: login redirect or 401
    if role == "platform_admin" and role in allowed:
        return ok
    return ok if (own and role in allowed) else (refused if refused is not None else ok)


@pytest.mark.parametrize("method, path, allowed, ok, refused", TOWN_ENDPOINTS)
def test_town_pages(world, method, path, allowed, ok, refused):
    for role in ROLES:
        _check_town_page(world, role, method, path, allowed, ok, refused)


def _check_town_page(world, role, method, path, allowed, ok, refused):
    user = world["users"].get(role)
    for which, own in (("a", True), ("b", False)):
        town = world[which]
        response = _request(host_client(town.host, user), method, path.format(doc=world["doc"], entry=world["entry"]))
        expected = _expected(role, allowed, ok, refused, own)
        if expected is None:
            assert response.status_code in (302, 401), (role, which, path, response.status_code)
            continue
        if response.status_code == 404 and expected == 200 and not own and ("{doc}" in path or "{entry}" in path):
            continue  # the platform admin asks town B for A's document or register entry: not there
        assert response.status_code == expected, (role, which, path, response.status_code)


@pytest.mark.parametrize("method, path, allowed, ok, refused", CONSOLE_ENDPOINTS)
def test_console_pages(world, method, path, allowed, ok, refused, console_host):
    for role in ROLES:
        user = world["users"].get(role)
        response = _request(host_client(console_host, user), method,
                            path.format(ags=world["a"].ags, export=world["export"], offering=world["offering"]))
        if role == "anonymous":
            assert response.status_code in (302, 401), (role, path)
        else:
            expected = ok if role in allowed else refused
            if path == "/" and role == "county_finance":
                expected = 302  # the console's start page sends county finance to its own page, /finance/
            assert response.status_code == expected, (role, path, response.status_code)


def test_every_role_except_town_admin_is_refused_the_member_pages(world):
    # The member list itself needs Keycloak (tests/test_browser_sso.py); the refusal does not.
    for role in ROLES[:-1]:
        if role in {"town_admin", "platform_admin"}:
            continue
        response = host_client(world["a"].host, world["users"][role]).get("/members/")
        assert response.status_code == 403, role


def test_service_endpoints_answer_only_where_subscribed(world):
    """Entitlement on top of membership: A subscribes to the echo service, B does not.

    The echo service declares the roles town_admin and town_staff; other members of A are refused too.
    """
    for role in ROLES:
        user = world["users"].get(role)
        for which in ("a", "b"):
            for path in ("/echo/", "/api/v1/echo/"):
                status = host_client(world[which].host, user).get(path).status_code
                if role == "anonymous":
                    assert status in (302, 401), (role, which, path, status)
                elif which == "a" and role in {"town_admin", "town_staff", "platform_admin"}:
                    assert status == 200, (role, which, path, status)
                else:  # not a member of B, or B has no subscription: 403 either way
                    assert status == 403, (role, which, path, status)


@pytest.mark.parametrize("path", ["/catalogue/echo/request/", "/subscriptions/{sub}/activate/",
                                  "/subscriptions/{sub}/cancel/", "/subscriptions/{sub}/sign-off/",
                                  "/subscriptions/{sub}/checklist/avv/"])
def test_subscription_changes_need_their_role(world, path):
    from catalog.models import Subscription

    sub = Subscription.objects.get(town=world["a"]).pk
    may = {"/subscriptions/{sub}/sign-off/": {"dpo"}, "/subscriptions/{sub}/checklist/avv/": {"town_admin", "dpo"}}
    allowed = may.get(path, {"town_admin"}) | {"platform_admin"}
    for role in ROLES[:-1]:
        status = host_client(world["a"].host, world["users"][role]).post(path.format(sub=sub)).status_code
        if role in allowed:
            assert status in (302, 404), (role, path, status)  # done or refused with a message, then redirected
        else:
            assert status == 403, (role, path, status)
