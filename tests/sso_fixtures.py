"""The real Keycloak for the platform's tests: the test profile's server, realm bootstrapped, mail caught."""

from __future__ import annotations

import email
import socket
import time
from collections.abc import Iterator
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings

from devtools.stack import get_profile
from devtools.stack.keycloak import Keycloak
from identity.bootstrap import EMAIL_THEME, admin_client, bootstrap_realm


class Mailbox:
    """An SMTP server on loopback that keeps what Keycloak sends."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def wait_for(self, recipient: str, timeout: float = 30) -> Message:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if recipient in (message["To"] or ""):
                    return message
            time.sleep(0.1)
        raise AssertionError(f"no mail to {recipient} within {timeout} s")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    box.port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture(scope="session")
def keycloak(mailbox: Mailbox) -> Keycloak:
    """The test profile's Keycloak on its fixed port (settings point there); left running for the session.

    ``make test`` stops it afterwards; a developer's next run reuses it.
    """
    profile = get_profile("test")
    server = Keycloak.attach(profile.run_dir)
    if server is not None and server.port != profile.keycloak_port:
        server.stop()
        server = None
    if server is None:
        server = Keycloak(profile.run_dir, profile.keycloak_port, admin_user=settings.KEYCLOAK_ADMIN_USER,
                          admin_password=settings.KEYCLOAK_ADMIN_PASSWORD)
        server.start()
    assert settings.KEYCLOAK_URL == server.url, "KEYCLOAK_URL must point at the test profile's Keycloak"
    console = f"http://{settings.PLATFORM_DOMAIN}"
    bootstrap_realm(
        server.url, settings.KEYCLOAK_ADMIN_USER, settings.KEYCLOAK_ADMIN_PASSWORD, realm=settings.KEYCLOAK_REALM,
        portal_redirect_uris=[f"{console}/*", f"{console}:8000/*"], web_origins=["+"],
        post_logout_redirect_uris=["+"],
        smtp={"host": "127.0.0.1", "port": mailbox.port, "from": "noreply@kiverbund.localhost",
              "fromDisplayName": "KI-Verbund"},
        invitation_days=settings.KEYCLOAK_INVITATION_DAYS, email_theme=EMAIL_THEME,
    )
    return server


@pytest.fixture
def keycloak_admin(keycloak):
    return admin_client(keycloak.url, settings.KEYCLOAK_ADMIN_USER, settings.KEYCLOAK_ADMIN_PASSWORD,
                        realm=settings.KEYCLOAK_REALM)


@pytest.fixture
def sso(keycloak, keycloak_admin, settings):
    """Identity switched on for one test: onboarding creates organizations; all of them are removed afterwards."""
    settings.KEYCLOAK_PROVISIONING = True
    yield keycloak_admin
    for organization in keycloak_admin.get_organizations({"briefRepresentation": "true", "first": 0, "max": 100_000}):
        keycloak_admin.delete_organization(organization["id"])
    for user in keycloak_admin.get_users({"briefRepresentation": "true", "max": 1000}):
        keycloak_admin.delete_user(user["id"])
