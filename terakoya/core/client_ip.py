"""The client's IP address of a request, through the reverse proxies the operator trusts.

`TERAKOYA_TRUSTED_PROXIES` lists addresses and networks (CIDR) whose `X-Forwarded-For` is
believed; nothing is trusted by default, so a client cannot choose its own address by sending
the header. When the peer (`REMOTE_ADDR`) is trusted, the header is read from the right (each
proxy appends the address it saw): trusted hops are skipped and the first untrusted one is the
client. Everything left of it was written by the client and is ignored.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"TERAKOYA_TRUSTED_PROXIES: {entry!r} is not an IP address or network"
            ) from exc
    return tuple(networks)


def _address(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as text, or None when there is none (a unix socket, garbage)."""
    peer = _address(str(request.META.get("REMOTE_ADDR") or ""))
    if peer is None:
        return None
    networks = trusted_networks(tuple(getattr(settings, "TERAKOYA_TRUSTED_PROXIES", ()) or ()))
    if not networks or not _trusted(peer, networks):
        return str(peer)
    client = peer
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    for hop in reversed(forwarded.split(",")):
        address = _address(hop)
        if address is None:
            break  # written by the client: the last address a trusted proxy saw stands
        client = address
        if not _trusted(address, networks):
            break
    return str(client)
