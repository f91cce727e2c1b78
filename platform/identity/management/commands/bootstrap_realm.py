"""``manage.py bootstrap_realm``: bring the Keycloak realm to the state the platform expects (idempotent).

Run by the chart's optional realm-bootstrap Job after install and upgrade. The console's address is
registered as a redirect URI of the portal client; towns add their own when they are onboarded.
Mail settings for Keycloak's invitations come from ``KEYCLOAK_SMTP_*`` when ``KEYCLOAK_SMTP_HOST`` is set.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from identity import bootstrap


def console_url() -> str:
    default_port = {"https": 443, "http": 80}.get(settings.PUBLIC_SCHEME)
    port = "" if settings.PUBLIC_PORT == default_port else f":{settings.PUBLIC_PORT}"
    return f"{settings.PUBLIC_SCHEME}://{settings.PLATFORM_DOMAIN}{port}/"


def smtp_from_environment() -> dict | None:
    host = os.environ.get("KEYCLOAK_SMTP_HOST", "")
    if not host:
        return None
    smtp = {"host": host, "port": os.environ.get("KEYCLOAK_SMTP_PORT", "25"),
            "from": os.environ.get("KEYCLOAK_SMTP_FROM", f"noreply@{settings.PLATFORM_DOMAIN}"),
            "fromDisplayName": os.environ.get("KEYCLOAK_SMTP_FROM_NAME", "KI-Verbund")}
    if os.environ.get("KEYCLOAK_SMTP_STARTTLS", "").lower() in ("1", "true", "yes", "on"):
        smtp["starttls"] = "true"
    if os.environ.get("KEYCLOAK_SMTP_USER"):
        smtp.update(auth="true", user=os.environ["KEYCLOAK_SMTP_USER"],
                    password=os.environ.get("KEYCLOAK_SMTP_PASSWORD", ""))
    return smtp


class Command(BaseCommand):
    help = "Create or update the Keycloak realm (roles, clients, scopes); a second run changes nothing."

    def handle(self, *args, **options):
        console = console_url()
        try:
            changes = bootstrap.bootstrap_realm(
                settings.KEYCLOAK_URL, settings.KEYCLOAK_ADMIN_USER, settings.KEYCLOAK_ADMIN_PASSWORD,
                realm=settings.KEYCLOAK_REALM, portal_redirect_uris=[f"{console}*"], web_origins=["+"],
                post_logout_redirect_uris=["+"], smtp=smtp_from_environment(),
                invitation_days=settings.KEYCLOAK_INVITATION_DAYS, display_name=settings.BILLING_PROVIDER_NAME,
                email_theme=settings.KEYCLOAK_EMAIL_THEME or None,
            )
        except Exception as exc:  # Keycloak down or refusing: one clear line, non-zero exit
            raise CommandError(f"Keycloak at {settings.KEYCLOAK_URL} could not be brought up to date: "
                               f"{type(exc).__name__}: {exc}") from exc
        created, updated = changes.get("created", []), changes.get("updated", [])
        self.stdout.write(f"realm {settings.KEYCLOAK_REALM}: {len(created)} created, {len(updated)} updated"
                          + (f" ({', '.join(created + updated)})" if created or updated else ""))
