"""Allowlist rule parsing and matching."""

from __future__ import annotations

import ipaddress

import pytest

from agentflow.net.policy import AllowRule, OutboundPolicy

ip = ipaddress.ip_address


@pytest.mark.parametrize(
    ("text", "host", "network", "port"),
    [
        ("api.internal.example", "api.internal.example", None, None),
        ("API.Internal.Example.:8443", "api.internal.example", None, 8443),
        ("bücher.example", "xn--bcher-kva.example", None, None),
        ("127.0.0.1", None, "127.0.0.1/32", None),
        ("127.0.0.1:8080", None, "127.0.0.1/32", 8080),
        ("127.1", None, "127.0.0.1/32", None),  # numeric forms are addresses
        ("2130706433:81", None, "127.0.0.1/32", 81),
        ("10.0.0.0/8", None, "10.0.0.0/8", None),
        ("10.1.2.3/16:443", None, "10.1.0.0/16", 443),
        ("fd00::/8", None, "fd00::/8", None),
        ("::1", None, "::1/128", None),
        ("[::1]:8080", None, "::1/128", 8080),
        ("[fd00::/16]:443", None, "fd00::/16", 443),
        ("::ffff:127.0.0.1", None, "127.0.0.1/32", None),
    ],
)
def test_parse(text: str, host: str | None, network: str | None, port: int | None) -> None:
    rule = AllowRule.parse(text)
    assert rule.host == host
    assert rule.network == (ipaddress.ip_network(network) if network else None)
    assert rule.port == port


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "host:0",
        "host:65536",
        "host:http",
        "http://host/",
        "user@host",
        "host/path",
        "10.0.0.0/33",
        "a b",
        "169.254.169.254",  # metadata can never be allowed
        "[fd00:ec2::254]:80",
        "metadata.google.internal",
        "Metadata",
    ],
)
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        AllowRule.parse(text)


def test_port_restricts_the_rule() -> None:
    policy = OutboundPolicy(allow_hosts=("127.0.0.1:8080", "intranet.example"))
    assert policy.allows_ip(ip("127.0.0.1"), 8080)
    assert not policy.allows_ip(ip("127.0.0.1"), 8081)
    assert not policy.allows_ip(ip("127.0.0.2"), 8080)
    assert policy.allows_name("intranet.example", 1234)
    assert policy.allows_name("INTRANET.example.", 80)
    assert not policy.allows_name("other.example", 80)
    assert not policy.allows_name("sub.intranet.example", 80)


def test_cidr_matches_mapped_ipv6() -> None:
    policy = OutboundPolicy(allow_hosts=["10.0.0.0/8"])
    assert policy.allows_ip(ip("10.2.3.4"), 80)
    assert policy.allows_ip(ip("::ffff:10.2.3.4"), 80)
    assert not policy.allows_ip(ip("11.0.0.1"), 80)
    assert policy.allow_hosts == ("10.0.0.0/8",)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_redirects": -1},
        {"max_response_bytes": -1},
        {"connect_timeout_s": 0},
        {"total_timeout_s": -1.0},
        {"allow_hosts": ("not a host",)},
    ],
)
def test_policy_validation(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        OutboundPolicy(**kwargs)  # type: ignore[arg-type]


def test_defaults() -> None:
    policy = OutboundPolicy()
    assert policy.max_redirects == 5
    assert policy.max_response_bytes == 10 * 1024 * 1024
    assert policy.rules == ()
    assert "authorization" in policy.sensitive_headers


def test_a_bare_string_is_not_a_list_of_hosts() -> None:
    with pytest.raises(TypeError):
        OutboundPolicy(allow_hosts="127.0.0.1:80")
