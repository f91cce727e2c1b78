"""Typed errors the apps raise and the edges (views, API, commands) map to answers.

An edge never matches an error by its message text: it catches a type. ``status`` is the HTTP status
an API answers with (``kiverbund`` wiring maps them; see ``core.errors.status_for``).
"""

from __future__ import annotations


class PlatformError(Exception):
    """A request that cannot be carried out; the message says why, for people."""

    status = 400


class NotFound(PlatformError):
    """The named object does not exist, or the caller may not see it (one answer for both)."""

    status = 404


class Conflict(PlatformError):
    """The object's state does not allow the request (e.g. a closed period, an offboarded town)."""

    status = 409


class UpstreamUnavailable(PlatformError):
    """A server the platform depends on did not answer; nothing was changed, try again."""

    status = 503


class IdentityUnavailable(UpstreamUnavailable):
    """The identity provider (Keycloak) could not carry out a request; nothing was changed."""


class AlreadyMember(Conflict):
    """The invited address belongs to someone who is a member of the town already."""


class AlreadyInvited(Conflict):
    """Keycloak holds an open invitation of the address to the town already."""


class UnverifiedAddress(Conflict):
    """The invited address is on an account that has not verified it: it may not be that person's."""


def status_for(error: Exception) -> int:
    return getattr(error, "status", 400) if isinstance(error, PlatformError) else 500
