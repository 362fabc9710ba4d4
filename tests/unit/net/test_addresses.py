"""IP notation parsing (checked against the OS resolver) and address classification."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from agentflow.net.addresses import (
    classify,
    embedded_ipv4,
    is_local_name,
    is_metadata_host,
    is_metadata_ip,
    parse_ip_literal,
)

LOOPBACK_NOTATIONS = [
    "127.0.0.1",
    "2130706433",  # decimal
    "0x7f000001",  # hex
    "0X7F000001",
    "017700000001",  # octal, one part
    "0177.0.0.1",  # octal
    "00000177.0.0.1",
    "127.1",  # short
    "127.0.1",
    "0x7f.1",  # mixed
    "0x7f.0x0.0x0.0x1",
    "0x00007f.0.0.01",
    "[::1]",
    "::1",
    "0:0:0:0:0:0:0:1",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::127.0.0.1]",  # IPv4-compatible
    "[64:ff9b::127.0.0.1]",  # NAT64
    "[2002:7f00:1::]",  # 6to4
]


@pytest.mark.parametrize("host", LOOPBACK_NOTATIONS)
def test_every_loopback_notation_is_parsed_and_refused(host: str) -> None:
    ip = parse_ip_literal(host)
    assert ip is not None
    assert classify(ip) == "loopback"


# Each string is handed to the real C library resolver in numeric-only mode: our
# parser must see exactly the address a socket would connect to, and refuse to
# see an address where the OS sees a name.
OS_AGREEMENT = [
    *[h for h in LOOPBACK_NOTATIONS if not h.startswith("[")],
    "0",
    "00",
    "0x0",
    "1.2.65535",
    "4294967295",
    "0xffffffff",
    "0377.0377.0377.0377",
    "10.1",
    "0xa9.0xfe.0xa9.0xfe",
    "0251.0376.0251.0376",
    "0x",
    "0x.1",
    "08.0.0.1",
    "09",
    "1.2.3.4.5",
    "256.1.1.1",
    "1.256.1.1",
    "1.2.65536",
    "4294967296",
    "0x100000000",
    "0400.0.0.0",
    "127..1",
    ".127.0.0.1",
    "127.0.0.1.",
    "1.2.3.",
    "+1",
    "-1",
    "1e2",
    "\u0661\u0662\u0667.0.0.1",  # Arabic-Indic digits
    "example.com",
    "::ffff:127.0.0.1",
    "::ffff:127.1",
    "::ffff:0177.0.0.1",
    "1::2::3",
    "fe80::1%lo",
]


@pytest.mark.parametrize("host", OS_AGREEMENT)
def test_parser_agrees_with_the_os_resolver(host: str) -> None:
    try:
        infos = socket.getaddrinfo(host, 80, 0, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
        expected = ipaddress.ip_address(str(infos[0][4][0]).split("%")[0])
    except (socket.gaierror, UnicodeError):
        expected = None
    ours = parse_ip_literal(host)
    got = None if ours is None else type(ours)(int(ours))  # without zone
    assert got == expected


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "this_network"),
        ("10.0.0.1", "private"),
        ("10.255.255.255", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.254", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "cgnat"),
        ("100.127.255.254", "cgnat"),
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("169.254.0.1", "link_local"),
        ("192.0.0.8", "ietf_protocol"),
        ("192.0.2.1", "documentation"),
        ("198.51.100.7", "documentation"),
        ("203.0.113.9", "documentation"),
        ("198.18.0.1", "benchmark"),
        ("198.19.255.255", "benchmark"),
        ("192.88.99.1", "reserved"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "broadcast"),
        ("169.254.169.254", "metadata"),
        ("169.254.170.2", "metadata"),
        ("100.100.100.200", "metadata"),
        ("168.63.129.16", "metadata"),
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("fe80::1", "link_local"),
        ("febf::1", "link_local"),
        ("fc00::1", "unique_local"),
        ("fd12:3456::1", "unique_local"),
        ("fec0::1", "site_local"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "documentation"),
        ("3fff::1", "documentation"),
        ("2001::1", "teredo"),
        ("2001:2::1", "benchmark"),
        ("2001:10::1", "ietf_protocol"),
        ("100::1", "discard"),
        ("64:ff9b:1::1", "nat64_local"),
        ("4000::1", "reserved"),
        ("fd00:ec2::254", "metadata"),
        # IPv4 ranges in every IPv6 form
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:a00:1", "private"),
        ("::ffff:169.254.169.254", "metadata"),
        ("::ffff:0.0.0.0", "unspecified"),
        ("::10.0.0.1", "private"),
        ("::8.8.8.8", "ipv4_compatible"),
        ("64:ff9b::10.0.0.1", "private"),
        ("64:ff9b::a9fe:a9fe", "metadata"),
        ("64:ff9b::100.64.0.1", "cgnat"),
        ("2002:a9fe:a9fe::", "metadata"),
        ("2002:c0a8:101::1", "private"),
        ("2002:e000:1::", "multicast"),
    ],
)
def test_classify_refuses(address: str, reason: str) -> None:
    assert classify(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "93.184.216.34",
        "100.63.255.255",  # just below CGNAT
        "100.128.0.0",  # just above CGNAT
        "172.15.255.255",
        "172.32.0.0",
        "198.17.255.255",
        "198.20.0.0",
        "223.255.255.255",
        "2606:4700:4700::1111",
        "2a00:1450:4001:80b::200e",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",  # NAT64 of a public address
        "2002:808:808::1",  # 6to4 of a public address
    ],
)
def test_classify_allows_public(address: str) -> None:
    assert classify(ipaddress.ip_address(address)) is None


def test_zone_is_ignored_for_classification() -> None:
    ip = parse_ip_literal("[fe80::1%25eth0]")
    assert ip is not None
    assert classify(ip) == "link_local"


def test_embedded_ipv4_forms() -> None:
    expected = ipaddress.IPv4Address("192.168.0.1")
    for form in ("::ffff:192.168.0.1", "::192.168.0.1", "64:ff9b::192.168.0.1", "2002:c0a8:1::"):
        assert embedded_ipv4(ipaddress.IPv6Address(form)) == expected
    assert embedded_ipv4(ipaddress.IPv6Address("2606:4700::1")) is None


@pytest.mark.parametrize(
    "address", ["169.254.169.254", "::ffff:169.254.169.254", "fd00:ec2::254", "100.100.100.200"]
)
def test_metadata_ips(address: str) -> None:
    assert is_metadata_ip(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "host",
    ["metadata.google.internal", "METADATA.google.internal.", "metadata", "instance-data"],
)
def test_metadata_hosts(host: str) -> None:
    assert is_metadata_host(host)


def test_metadata_host_is_exact() -> None:
    assert not is_metadata_host("metadata.example.com")


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "api.localhost"])
def test_local_names(host: str) -> None:
    assert is_local_name(host)


def test_localhost_lookalike_is_a_name() -> None:
    assert not is_local_name("localhost.example.com")
