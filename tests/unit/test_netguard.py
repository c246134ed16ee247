"""The network guard itself: nothing leaves loopback, even when the code under test hides it."""

from __future__ import annotations

import socket
import textwrap

import pytest

from tests.netguard import NetworkGuardViolation


def test_connect_outside_loopback_is_refused_before_any_packet(netguard):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(NetworkGuardViolation):
            sock.connect(("10.0.0.5", 80))
    finally:
        sock.close()
    assert netguard.connects == [("10.0.0.5", 80)]
    assert netguard.violations == ["connection to 10.0.0.5:80"]
    netguard.violations.clear()  # seen and expected: let this test pass


@pytest.mark.parametrize("host", ["169.254.169.254", "::ffff:10.0.0.1", "2001:db8::1"])
def test_connect_ex_and_create_connection_are_guarded(host, netguard):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        with pytest.raises(NetworkGuardViolation):
            sock.connect_ex((host, 443))
    finally:
        sock.close()
    with pytest.raises(NetworkGuardViolation):
        socket.create_connection((host, 443), timeout=0.1)
    assert len(netguard.violations) == 2
    netguard.violations.clear()


def test_udp_datagrams_outside_loopback_are_refused(netguard):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        with pytest.raises(NetworkGuardViolation):
            sock.sendto(b"query", ("8.8.8.8", 53))
    finally:
        sock.close()
    netguard.violations.clear()


def test_name_lookups_other_than_localhost_are_refused(netguard):
    with pytest.raises(NetworkGuardViolation):
        socket.getaddrinfo("example.com", 80)
    with pytest.raises(NetworkGuardViolation):
        socket.create_connection(("metadata.test", 80))
    assert socket.getaddrinfo("localhost", 80)
    assert socket.getaddrinfo("127.0.0.1", 80)
    assert netguard.lookups[:2] == ["example.com", "metadata.test"]
    netguard.violations.clear()


def test_loopback_and_unix_sockets_work(netguard, http_server, tmp_path):
    http_server.static("/", "hi")
    with socket.create_connection(("127.0.0.1", http_server.port)) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        assert b"hi" in sock.recv(4096) + sock.recv(4096)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(tmp_path / "s"))
    server.listen()
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(str(tmp_path / "s"))
    client.close()
    server.close()
    assert netguard.violations == []


def test_a_swallowed_violation_still_fails_the_test(pytester):
    pytester.makepyfile(
        textwrap.dedent(
            """
            import socket

            def test_broken_code_that_hides_errors():
                try:
                    socket.create_connection(("10.9.9.9", 80), timeout=0.1)
                except OSError:
                    pass
            """
        )
    )
    result = pytester.runpytest_inprocess("-p", "tests.netguard", "-q")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*network guard: connection to 10.9.9.9:80*"])
