"""Who made an API request, when it is a machine rather than a person."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ServicePrincipal:
    """A Keycloak service account (client credentials) bound to exactly one town.

    DRF puts it in ``request.user``; it is never saved and has no Django
    permissions. ``town`` is the town's Keycloak organization alias (its slug).
    """

    client_id: str
    town: str
    claims: dict = field(default_factory=dict, compare=False, repr=False)

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def get_username(self) -> str:
        return f"service-account:{self.client_id}"

    def __str__(self) -> str:
        return self.get_username()
