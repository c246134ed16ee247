"""Which IP addresses the fetcher may connect to: public ones, plus the allowed networks.

A URL is checked on the addresses its host resolves to, and the socket is then
checked again on the address it actually connected to, so neither a hostname
that resolves to 10.0.0.5 nor a DNS answer that changes between the check and
the connection (rebinding) can reach an internal service.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

# NAT64 (RFC 6052) embeds an IPv4 address in its last 32 bits; a gateway would forward there.
NAT64 = ipaddress.ip_network("64:ff9b::/96")
CGNAT = ipaddress.ip_network("100.64.0.0/10")


def resolve_host(host: str, port: int) -> list[str]:
    """The IP addresses of `host` from the system resolver (the default resolver)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse_ip(text: str) -> IPAddress | None:
    """`text` as an IP address (brackets and an IPv6 zone allowed), or None when it is a name."""
    text = text.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """True for a globally routable unicast address; IPv6 that embeds IPv4 is judged by the IPv4."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return is_public(inner)
    if isinstance(address, ipaddress.IPv6Address) and address.teredo is not None:
        return False
    if isinstance(address, ipaddress.IPv4Address) and address in CGNAT:
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


def is_allowed(address: IPAddress, allowed: Iterable[IPNetwork]) -> bool:
    """True when the fetcher may connect to `address`: public, or inside an allowed network."""
    candidates = [address]
    inner = embedded_ipv4(address)
    if inner is not None:
        candidates.append(inner)
    for network in allowed:
        if any(c.version == network.version and c in network for c in candidates):
            return True
    return is_public(address)


def describe(address: IPAddress) -> str:
    """A few words on why `address` is not public, for error messages."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return f"{describe(inner)} (embedded in {address})"
    for attribute, words in (
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_unspecified", "the unspecified address"),
        ("is_reserved", "a reserved address"),
        ("is_private", "a private address"),
    ):
        if getattr(address, attribute):
            return words
    if isinstance(address, ipaddress.IPv4Address) and address in CGNAT:
        return "a carrier-grade NAT address"
    return "not a public address"
