"""Demo logins in Keycloak: one person per role and one town-bound service account."""

from __future__ import annotations

import secrets

from django.conf import settings

from identity import bootstrap
from identity.provisioning import admin, provision_town
from tenants.models import Town

# (username, role, town slug or None for county-wide roles, first name, last name)
DEMO_PEOPLE = [
    ("kreis-it", "platform_admin", None, "Karin", "Kreis-IT"),
    ("musterstadt-admin", "town_admin", "musterstadt", "Anna", "Amtmann"),
    ("musterstadt-sachbearbeitung", "town_staff", "musterstadt", "Stefan", "Sachbearbeiter"),
    ("musterstadt-kaemmerei", "finance", "musterstadt", "Frieda", "Kämmerer"),
    ("kreis-finanzen", "county_finance", None, "Klaus", "Kreiskasse"),
    ("musterstadt-dsb", "dpo", "musterstadt", "Dora", "Datenschutz"),
]
SERVICE_ACCOUNT = ("musterstadt-fahrzeuge", "musterstadt")


def bootstrap_demo_realm(console_url: str, smtp_port: int) -> None:
    bootstrap.bootstrap_realm(
        settings.KEYCLOAK_URL, settings.KEYCLOAK_ADMIN_USER, settings.KEYCLOAK_ADMIN_PASSWORD,
        realm=settings.KEYCLOAK_REALM, portal_redirect_uris=[f"{console_url}*"], web_origins=["+"],
        post_logout_redirect_uris=["+"],
        smtp={"host": "127.0.0.1", "port": smtp_port, "from": "noreply@kiverbund.localhost",
              "fromDisplayName": "KI-Verbund Demo"},
        # By address: Keycloak's Java resolver does not know *.localhost; 127.0.0.1 is a console host.
        backchannel_logout_url=f"http://127.0.0.1:{settings.PUBLIC_PORT}/oidc/backchannel-logout/",
        invitation_days=settings.KEYCLOAK_INVITATION_DAYS, display_name=settings.BILLING_PROVIDER_NAME,
        # devtools.stack.keycloak installs the platform's themes into the embedded Keycloak.
        email_theme=bootstrap.EMAIL_THEME,
    )


def ensure_demo_identities(towns: list[Town], previous: dict) -> dict:
    """Create or update the demo logins; passwords are kept from the previous run."""
    for town in towns:
        provision_town(town)
    client = admin()
    known = {u["username"]: u for u in previous.get("users", [])}
    ags = {t.slug: t.ags for t in towns}
    users = []
    for username, role, town_slug, first, last in DEMO_PEOPLE:
        password = known.get(username, {}).get("password") or secrets.token_urlsafe(10)
        bootstrap.ensure_user(client, username, f"{username}@demo.kiverbund.localhost", password, [role],
                              organization_alias=town_slug, first_name=first, last_name=last)
        users.append({"role": role, "username": username, "password": password, "town_ags": ags.get(town_slug)})
    client_id, secret = bootstrap.create_town_service_account(client, *SERVICE_ACCOUNT)
    return {
        "keycloak_url": settings.KEYCLOAK_URL,
        "realm": settings.KEYCLOAK_REALM,
        "token_endpoint": settings.OIDC_OP_TOKEN_ENDPOINT,
        "users": users,
        "service_accounts": [{"client_id": client_id, "client_secret": secret, "town_ags": ags.get(SERVICE_ACCOUNT[1])}],
    }
