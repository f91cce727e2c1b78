"""The address a request came from, through the proxies the operator trusts (``TRUSTED_PROXIES``).

Behind an ingress or a load balancer every request arrives from the proxy's
address; the citizen's is in ``X-Forwarded-For``, which anybody can also send
themselves. So the header is read only when the peer (``REMOTE_ADDR``) is one
of the trusted proxy ranges, and then from the right: each address that is
itself a trusted proxy is skipped, the first one that is not is the client.
Without ``TRUSTED_PROXIES`` the header is ignored and the peer is the client.
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: list[str]) -> tuple[Network, ...]:
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(f"TRUSTED_PROXIES: {value!r} is not an IP address or CIDR range") from None
    return tuple(networks)


@functools.lru_cache(maxsize=8)
def _trusted(values: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(list(values))


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _is_trusted(address, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(request) -> str:
    """The client's IP address as text (the peer's when nothing trustworthy says otherwise)."""
    peer = request.META.get("REMOTE_ADDR", "")
    networks = _trusted(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _is_trusted(_address(peer), networks):
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # Garbage in the chain: the proxies' own entries end here; the last trusted hop is the peer.
            return peer
        if not _is_trusted(address, networks):
            return str(address)
    return str(_address(hops[0])) if hops else peer
