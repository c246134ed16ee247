"""No test may send a packet beyond loopback (a pytest plugin, autouse for every test).

The `netguard` fixture wraps `socket.socket.connect`, `connect_ex`, `sendto`,
`socket.create_connection` and `socket.getaddrinfo` for the whole test:
- connecting or sending to anything outside 127.0.0.0/8 and ::1 is refused
  (OSError raised at the call) and recorded as a violation;
- a name lookup other than `localhost` (or an IP literal, which needs no DNS) is
  refused and recorded the same way;
- Unix sockets are untouched (the database fixtures use them).
Recorded violations fail the test at teardown even when the code under test
swallowed the OSError, so a broken fetcher cannot hide a leak.

Every TCP/UDP connection attempt is also recorded, allowed or not, in
`netguard.connects` as (host, port), and every lookup in `netguard.lookups`, so
a test can assert that something was refused *before* connecting:

    def test_refused_before_connecting(netguard, http_server):
        ...
        assert netguard.connects_to(http_server.port) == 1   # only the first hop
        assert not netguard.violations

C extensions that open their own sockets (libpq) are outside its reach; they
talk to the test database only.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

LOOPBACK_NAMES = {"localhost", "localhost.", "ip6-localhost"}


class NetworkGuardViolation(OSError):
    """Raised at a call that would leave loopback."""


@dataclass
class NetGuard:
    """What the guard saw during one test."""

    connects: list[tuple[str, int]] = field(default_factory=list)
    lookups: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def connects_to(self, port: int) -> int:
        """How many connection attempts went to `port` (on any address)."""
        with self._lock:
            return sum(1 for _, p in self.connects if p == port)

    def note_connect(self, host: str, port: int) -> None:
        """Record an attempt; refuse (and record a violation) when it leaves loopback."""
        with self._lock:
            self.connects.append((host, port))
        if not is_loopback(host):
            self._violate(f"connection to {host}:{port}")

    def note_lookup(self, host: Any) -> None:
        """Record a name lookup; refuse (and record a violation) unless it needs no network."""
        name = host.decode() if isinstance(host, bytes) else host
        with self._lock:
            self.lookups.append(str(name))
        if name is None or str(name).lower() in LOOPBACK_NAMES or _ip_literal(str(name)):
            return
        self._violate(f"name lookup of {name!r}")

    def _violate(self, what: str) -> None:
        with self._lock:
            self.violations.append(what)
        raise NetworkGuardViolation(f"netguard: {what} refused; tests talk to loopback only")


def _ip_literal(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback; names are never loopback here."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _inet_destination(sock: socket.socket, address: Any) -> tuple[str, int] | None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return None
    if isinstance(address, tuple) and len(address) >= 2:
        return str(address[0]), int(address[1])
    return str(address), 0


@pytest.fixture(autouse=True)
def netguard(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetGuard]:
    """Fail the test on any connection, packet or name lookup beyond loopback."""
    guard = NetGuard()
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_sendto = socket.socket.sendto
    real_getaddrinfo = socket.getaddrinfo
    real_create_connection = socket.create_connection

    def connect(self: socket.socket, address: Any) -> None:
        destination = _inet_destination(self, address)
        if destination is not None:
            guard.note_connect(*destination)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        destination = _inet_destination(self, address)
        if destination is not None:
            guard.note_connect(*destination)
        return real_connect_ex(self, address)

    def sendto(self: socket.socket, data: bytes, *args: Any) -> int:
        destination = _inet_destination(self, args[-1]) if args else None
        if destination is not None and not is_loopback(destination[0]):
            guard.note_connect(*destination)
        return real_sendto(self, data, *args)  # type: ignore[arg-type]

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        guard.note_lookup(host)
        return real_getaddrinfo(host, *args, **kwargs)

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        host = address[0]
        if not is_loopback(str(host)):
            guard.note_lookup(host)
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket.socket, "sendto", sendto)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    yield guard
    if guard.violations:
        pytest.fail("network guard: " + "; ".join(guard.violations), pytrace=False)
