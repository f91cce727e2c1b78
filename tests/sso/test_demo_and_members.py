"""`make demo`'s identities on a fresh realm, and the town admin's member pages, against the real Keycloak."""

from __future__ import annotations

import secrets

import jwt
import pytest

from devtools.demo.seed import seed
from identity import bootstrap
from identity.sync import sync_user_from_claims
from tenants.models import Invitation, Membership, Role

from ..conftest import host_client
from .flows import login_tokens, token_endpoint

pytestmark = pytest.mark.keycloak


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_demo_seed_onboards_into_a_fresh_realm_with_a_login_per_role(db, tmp_path, keycloak, mailbox, settings):
    """The order `make demo` needs on a new machine: realm first, then towns with their Organizations."""
    realm = f"kvb-demo-{secrets.token_hex(3)}"
    settings.KEYCLOAK_REALM, settings.KEYCLOAK_PROVISIONING = realm, True
    master = bootstrap.admin_client(keycloak.url, settings.KEYCLOAK_ADMIN_USER, settings.KEYCLOAK_ADMIN_PASSWORD,
                                    realm=realm)
    try:
        state = seed(tmp_path / "demo.json", smtp_port=mailbox.port)
        assert state["realm"] == realm and state["keycloak_url"] == keycloak.url
        assert {user["role"] for user in state["users"]} == {
            "platform_admin", "town_admin", "town_staff", "finance", "county_finance", "dpo"}
        for town in state["towns"]:
            assert bootstrap.find_organization(master, town["slug"]) is not None, town["slug"]
        musterstadt = next(t for t in state["towns"] if t["slug"] == "musterstadt")

        admin_login = next(u for u in state["users"] if u["role"] == "town_admin")
        tokens = login_tokens(keycloak.url, admin_login["username"], admin_login["password"], realm=realm,
                              callback=f"{state['console_url']}oidc/callback/")
        claims = _claims(tokens["access_token"])
        assert bootstrap.town_roles_in(claims["groups"]) == {"musterstadt": {"town_admin"}}
        assert "musterstadt" in claims["organization"]
        assert admin_login["town_ags"] == musterstadt["ags"]

        (account,) = state["service_accounts"]
        assert account["town_ags"] == musterstadt["ags"]
        import requests

        answer = requests.post(token_endpoint(keycloak.url, realm), timeout=30, data={
            "grant_type": "client_credentials", "client_id": account["client_id"],
            "client_secret": account["client_secret"]})
        assert answer.status_code == 200, answer.text
        assert "kiverbund-api" in _claims(answer.json()["access_token"])["aud"]

        again = seed(tmp_path / "demo.json", smtp_port=mailbox.port)  # idempotent, passwords kept
        assert again["users"] == state["users"]
    finally:
        master.delete_realm(realm)


@pytest.fixture
def sso_town(sso, make_town):
    return make_town("Amtsdorf", contact_email="rathaus@amtsdorf.example")


def _person(keycloak_admin, town, username: str, role: str) -> str:
    return bootstrap.ensure_user(keycloak_admin, username, f"{username}@amtsdorf.example", f"{username}-password-1", [role],
                                 organization_alias=town.slug, first_name="Vor", last_name="Name")


def test_role_change_and_removal_are_written_to_keycloak_for_the_member_keycloak_names(
        sso, sso_town, member_factory, keycloak_admin, django_user_model):
    town = sso_town
    admin = member_factory(town, Role.TOWN_ADMIN, "amtsdorf-admin")
    colleague_id = _person(keycloak_admin, town, "kollegin", Role.TOWN_STAFF.value)
    colleague = member_factory(town, Role.TOWN_STAFF, "kollegin")
    bystander = django_user_model.objects.create_user("fremd", password="x" * 12)
    client = host_client(town.host, admin)

    # A forged user name in the form changes nothing: the member is who Keycloak says it is.
    response = client.post(f"/members/{colleague_id}/role/", {"role": Role.FINANCE.value, "username": "fremd"})
    assert response.status_code == 302
    assert bootstrap.user_town_roles(keycloak_admin, colleague_id, town.slug) == {Role.FINANCE.value}
    assert set(Membership.objects.filter(user=colleague, town=town).values_list("role", flat=True)) == {"finance"}
    assert not Membership.objects.filter(user=bystander).exists()

    response = client.post(f"/members/{colleague_id}/remove/", {"username": "amtsdorf-admin"})
    assert response.status_code == 302
    organization = bootstrap.find_organization(keycloak_admin, town.slug)
    assert colleague_id not in {m["id"] for m in keycloak_admin.get_organization_members(organization["id"])}
    assert not Membership.objects.filter(user=colleague, town=town).exists()
    assert Membership.objects.filter(user=admin, town=town, role=Role.TOWN_ADMIN).exists()


def test_an_invited_role_is_written_to_keycloak_at_the_first_login(sso, sso_town, keycloak_admin,
                                                                    django_capture_on_commit_callbacks):
    town = sso_town
    Invitation.objects.create(town=town, email="neu@amtsdorf.example", role=Role.DPO, invited_by="pytest")
    user_id = _person(keycloak_admin, town, "neu", Role.TOWN_STAFF.value)
    claims = {"sub": user_id, "preferred_username": "neu", "email": "neu@amtsdorf.example", "email_verified": True,
              "groups": [f"/towns/{town.slug}/town_staff"], "organization": [town.slug]}
    with django_capture_on_commit_callbacks(execute=True):
        user = sync_user_from_claims(claims)
    assert Role.DPO.value in set(Membership.objects.filter(user=user, town=town).values_list("role", flat=True))
    # The next token carries the role, so the second login keeps it.
    assert bootstrap.user_town_roles(keycloak_admin, user_id, town.slug) == {Role.TOWN_STAFF.value, Role.DPO.value}
    second = sync_user_from_claims({**claims, "groups": [f"/towns/{town.slug}/town_staff",
                                                         f"/towns/{town.slug}/dpo"]})
    assert Role.DPO.value in set(Membership.objects.filter(user=second, town=town).values_list("role", flat=True))



def test_a_keycloak_person_cannot_take_over_a_break_glass_account(db, django_user_model):
    from django.core.exceptions import PermissionDenied

    django_user_model.objects.create_superuser("kreis-admin", password="notfall-passwort-1")
    with pytest.raises(PermissionDenied):
        sync_user_from_claims({"sub": "x", "preferred_username": "kreis-admin", "email": "evil@example.org",
                               "roles": ["platform_admin"], "organization": []})
    account = django_user_model.objects.get(username="kreis-admin")
    assert account.is_superuser and account.email == "" and account.has_usable_password()


def test_a_failed_import_leaves_no_organization_in_keycloak(sso, make_town, tmp_path):
    from tenants.importers import import_rows, read_csv
    from tenants.models import Town

    make_town("Amtsdorf", ags="09998150")
    listing = tmp_path / "towns.csv"
    # Row 3 wants Amtsdorf's host name under another AGS: found only while onboarding, after row 2's Organization.
    listing.write_text("ags,name,population\n09998151,Neuhausen,4000\n09998152,Amtsdorf,3000\n", encoding="utf-8")
    rows, errors = read_csv(listing)
    result = import_rows(rows, errors, actor="pytest")
    assert not result.ok and "amtsdorf" in result.errors[0][1]
    assert not Town.objects.filter(ags="09998151").exists()
    assert bootstrap.find_organization(sso, "neuhausen") is None
    assert bootstrap.find_organization(sso, "amtsdorf") is not None


def test_a_failed_invitation_takes_the_organization_back(sso, keycloak, make_town, settings):
    from tenants.actions import TownData, onboard_town
    from tenants.actions.errors import TownError
    from tenants.models import Town

    realm = sso.get_realm(settings.KEYCLOAK_REALM)
    smtp = realm.get("smtpServer", {})
    # Keycloak cannot send the invitation: nothing listens on port 9.
    sso.update_realm(settings.KEYCLOAK_REALM, {"smtpServer": {**smtp, "port": "9"}})
    try:
        with pytest.raises(TownError, match="Keycloak"):
            onboard_town(TownData(ags="09998160", name="Postlos", population=2000,
                                  contact_email="rathaus@postlos.example"), actor="pytest")
    finally:
        sso.update_realm(settings.KEYCLOAK_REALM, {"smtpServer": smtp})
    assert not Town.objects.filter(ags="09998160").exists()
    assert bootstrap.find_organization(sso, "postlos") is None
