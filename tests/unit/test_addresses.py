"""Which addresses the fetcher may reach."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storywatch.web.addresses import describe, is_allowed, is_public, parse_ip

NON_PUBLIC = [
    "127.0.0.1",
    "127.0.0.2",
    "10.0.0.5",
    "172.16.3.4",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.251",
    "255.255.255.255",
    "240.0.0.1",
    "198.18.0.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::5",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a00:5",
    "2002:a00:5::1",
    "2001:db8::1",
]
PUBLIC = [
    "93.184.216.34",
    "8.8.8.8",
    "1.1.1.1",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
]


@pytest.mark.parametrize("text", NON_PUBLIC)
def test_non_public_addresses_are_refused_by_default(text):
    address = parse_ip(text)
    assert address is not None and not is_public(address) and not is_allowed(address, ())
    assert describe(address) != ""


@pytest.mark.parametrize("text", PUBLIC)
def test_public_addresses_are_allowed(text):
    address = parse_ip(text)
    assert address is not None and is_allowed(address, ())


def test_allowed_networks_open_exactly_their_range():
    only_one = (ipaddress.ip_network("127.0.0.1/32"),)
    assert is_allowed(ipaddress.ip_address("127.0.0.1"), only_one)
    assert not is_allowed(ipaddress.ip_address("127.0.0.2"), only_one)
    assert not is_allowed(ipaddress.ip_address("::1"), only_one)
    assert is_allowed(ipaddress.ip_address("::ffff:127.0.0.1"), only_one)
    assert not is_allowed(
        ipaddress.ip_address("169.254.169.254"), (ipaddress.ip_network("127.0.0.0/8"),)
    )


def test_bracketed_and_zoned_literals_parse_and_names_do_not():
    assert parse_ip("[::1]") == ipaddress.ip_address("::1")
    assert parse_ip("fe80::1%eth0") == ipaddress.ip_address("fe80::1")
    assert parse_ip("metadata.test") is None


PRIVATE_V4 = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "100.64.0.0/10",
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PRIVATE_V4), st.integers(min_value=0, max_value=2**32 - 1))
def test_every_address_of_a_private_range_and_its_ipv6_mapping_is_refused(cidr, offset):
    network = ipaddress.ip_network(cidr)
    address = network[offset % network.num_addresses]
    mapped = ipaddress.ip_address(f"::ffff:{address}")
    assert not is_allowed(address, ()) and not is_allowed(mapped, ())
