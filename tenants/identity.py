"""The narrow hook through which towns reach the identity provider, without importing it.

Onboarding creates the town's identity (a Keycloak Organization) and invites its contact;
offboarding removes it. The identity app registers the provider when it is ready
(``identity.apps``); without one (an installation without single sign-on) nothing happens.
Providers raise ``core.errors.IdentityUnavailable`` when they cannot carry out a request.
"""

from __future__ import annotations

from typing import Protocol


class TownIdentity(Protocol):
    def provision_town(self, town) -> str | None: ...

    def invite(self, town, email: str, *, first_name: str = "", last_name: str = "") -> str | None: ...

    def deprovision_town(self, town) -> bool: ...


class _NoIdentity:
    def provision_town(self, town) -> str | None:
        return None

    def invite(self, town, email: str, *, first_name: str = "", last_name: str = "") -> str | None:
        return None

    def deprovision_town(self, town) -> bool:
        return False


_provider: TownIdentity = _NoIdentity()


def register(provider: TownIdentity) -> None:
    global _provider
    _provider = provider


def provider() -> TownIdentity:
    return _provider
