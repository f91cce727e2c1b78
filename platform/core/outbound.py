"""Calls from the platform to endpoints a town configured: only to public addresses, unless the county allows more.

A town admin may name a server the platform then calls (the chatbot's
language model). Without a guard that is a way into the county's own network:
``http://169.254.169.254/`` (cloud metadata), ``http://localhost:6379/``,
``http://10.0.0.5/admin``. So every address the host name resolves to must be
a public one; loopback, link-local, private, shared and reserved ranges are
refused unless they lie in ``OUTBOUND_ALLOWED_NETWORKS`` (for a county that
runs its model server in its own data centre). The check happens when the
endpoint is configured (a clear form error) and again on every connection:
``guarded_http_client`` connects to exactly the address it checked, so a DNS
answer that changes in between (DNS rebinding) gains nothing. Proxies from
the environment are not used for these calls.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from core.client_address import parse_networks


class EndpointRefused(ValueError):
    """The endpoint may not be called; the message says why (translated)."""


def _allowed_networks():
    return parse_networks(list(settings.OUTBOUND_ALLOWED_NETWORKS))


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in _allowed_networks()):
        return True
    return ip.is_global and not ip.is_multicast


def resolve_checked(host: str, port: int) -> list[str]:
    """Every address of ``host``, if every one of them is allowed; else EndpointRefused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as error:
        raise EndpointRefused(_("The host %(host)s cannot be resolved (%(error)s).")
                              % {"host": host, "error": error}) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    refused = [address for address in addresses if not address_allowed(address)]
    if refused or not addresses:
        raise EndpointRefused(_("The host %(host)s resolves to %(addresses)s: a loopback, link-local, private or "
                                "reserved address. The platform calls only public addresses unless the county "
                                "allows the range (OUTBOUND_ALLOWED_NETWORKS).")
                              % {"host": host, "addresses": ", ".join(refused) or "-"})
    return addresses


def check_url(url: str) -> None:
    """Refuse a URL whose scheme is not HTTP(S) or whose host resolves to an address that is not allowed."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointRefused(_("Only http:// and https:// addresses with a host name can be used."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise EndpointRefused(_("The address has an invalid port.")) from None
    resolve_checked(parts.hostname, port)


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves, checks every address, and connects to the first checked one (never resolves twice)."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        address = resolve_checked(host, port)[0]
        try:
            return self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                           socket_options=socket_options)
        except httpcore.ConnectError:
            raise
        except OSError as error:
            raise httpcore.ConnectError(str(error)) from error

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise EndpointRefused(_("Unix sockets are not allowed."))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def guarded_http_client(timeout: float) -> httpx.Client:
    """An httpx client that reaches only allowed addresses (TLS still verifies the host name)."""
    transport = httpx.HTTPTransport()
    transport._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(),
                                              network_backend=_GuardedBackend())
    return httpx.Client(transport=transport, timeout=timeout, trust_env=False, follow_redirects=False)
