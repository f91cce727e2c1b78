"""Town roles from the token: each town's own roles, never another town's."""

from identity.bootstrap import town_roles_in
from identity.sync import sync_user_from_claims
from tenants.models import Membership

from .conftest import host_client


def test_group_paths_become_roles_per_town():
    assert town_roles_in(["/towns/amtsdorf/town_admin", "/towns/burgheim/town_staff", "/towns/burgheim/dpo",
                          "/towns/amtsdorf/unknown", "/other/amtsdorf/town_admin", "/towns/amtsdorf", None]) == {
        "amtsdorf": {"town_admin"}, "burgheim": {"town_staff", "dpo"}}
    assert town_roles_in(None) == {}


def test_admin_of_one_town_is_staff_in_the_other(town_a, town_b):
    person = sync_user_from_claims({
        "preferred_username": "pendlerin", "organization": [town_a.slug, town_b.slug],
        "groups": [f"/towns/{town_a.slug}/town_admin", f"/towns/{town_b.slug}/town_staff"],
        # A town role among the realm roles (an old realm) gives nothing anywhere.
        "roles": ["finance"]})
    memberships = set(Membership.objects.filter(user=person).values_list("town__slug", "role"))
    assert memberships == {(town_a.slug, "town_admin"), (town_b.slug, "town_staff")}
    # Past the role check the member list is read from Keycloak (503 where the town has no Organization).
    assert host_client(town_a.host, person).get("/members/").status_code in (200, 503)
    assert host_client(town_b.host, person).get("/members/").status_code == 403
    assert host_client(town_b.host, person).get("/finance/").status_code == 403


def test_a_group_of_a_town_the_person_does_not_belong_to_gives_nothing(town_a, town_b):
    person = sync_user_from_claims({"preferred_username": "aussen", "organization": [town_a.slug],
                                    "groups": [f"/towns/{town_b.slug}/town_admin"]})
    assert set(Membership.objects.filter(user=person).values_list("town__slug", "role")) == {
        (town_a.slug, "town_staff")}
