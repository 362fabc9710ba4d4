"""check_url: syntax, numeric hosts, one resolution, every address checked.

A fake resolver stands in for DNS; nothing here opens a connection.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Sequence

import pytest

from agentflow.net import (
    BlockedAddressError,
    InvalidOutboundRequest,
    OutboundError,
    OutboundHTTPError,
    OutboundPolicy,
    OutboundTimeout,
    ResponseTooLarge,
    TooManyRedirects,
    check_url,
    is_retryable_status,
)
from agentflow.net.addresses import unmap

DEFAULT = OutboundPolicy()


class FakeResolver:
    def __init__(self, answers: dict[str, Sequence[str]]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.calls.append((host, port))
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.answers[host]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0177.0.0.1/",  # httpx refuses to parse it; still reported as blocked
        "http://127.1/",
        "http://0x7f.1/",
        "http://127.0.0.1./",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "https://[64:ff9b::7f00:1]:8443/x",
        "http://[2002:7f00:1::1]/",
        "http://0/",
        "http://0.0.0.0:8000/",
        "http://[::]/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://198.18.0.1/",
        "http://203.0.113.5/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
        "http://[fe80::1%25eth0]/",
        "http://[fd00::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0xa9.0xfe.0xa9.0xfe/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://METADATA/",
        "http://metadata.google.internal./",
        "http://localhost.:8000/",
        "http://instance-data/latest/",
        "http://localhost:8000/",
        "http://api.localhost/",
    ],
)
async def test_blocked_without_resolving(url: str) -> None:
    resolver = FakeResolver({})
    with pytest.raises(BlockedAddressError) as info:
        await check_url(url, DEFAULT, resolver=resolver)
    assert info.value.type == "blocked_address"
    assert info.value.retryable is False
    assert resolver.calls == []


async def test_metadata_is_refused_even_when_a_cidr_covers_it() -> None:
    policy = OutboundPolicy(allow_hosts=("169.254.0.0/16", "0.0.0.0/0"))
    with pytest.raises(BlockedAddressError) as info:
        await check_url("http://169.254.169.254/", policy)
    assert info.value.reason == "metadata"
    target = await check_url("http://169.254.1.1/", policy)
    assert str(target.address) == "169.254.1.1"


async def test_public_name_resolves_once_and_returns_every_address() -> None:
    resolver = FakeResolver({"api.example.com": ["93.184.216.34", "2606:2800:220:1::1"]})
    target = await check_url("https://API.Example.com/v1?q=1", DEFAULT, resolver=resolver)
    assert resolver.calls == [("api.example.com", 443)]
    assert target.host == "api.example.com"
    assert target.port == 443
    assert target.scheme == "https"
    assert [str(a) for a in target.addresses] == ["93.184.216.34", "2606:2800:220:1::1"]
    assert target.address == ipaddress.ip_address("93.184.216.34")


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        (["93.184.216.34", "10.0.0.5"], "private"),
        (["10.0.0.5", "93.184.216.34"], "private"),
        (["93.184.216.34", "::1"], "loopback"),
        (["::ffff:127.0.0.1"], "loopback"),
        (["169.254.169.254"], "metadata"),
        (["fe80::1%eth0"], "link_local"),
    ],
)
async def test_any_blocked_resolved_address_refuses(answers: list[str], reason: str) -> None:
    resolver = FakeResolver({"rebind.example.com": answers})
    with pytest.raises(BlockedAddressError) as info:
        await check_url("http://rebind.example.com/", DEFAULT, resolver=resolver)
    assert info.value.reason == reason
    assert info.value.address is not None
    assert info.value.address not in info.value.message  # internal IPs stay in logs


async def test_idn_hosts_are_resolved_in_ascii_form() -> None:
    resolver = FakeResolver({"xn--bcher-kva.example": ["93.184.216.34"]})
    target = await check_url("http://b\u00fccher.example/", DEFAULT, resolver=resolver)
    assert target.host == "xn--bcher-kva.example"
    assert resolver.calls == [("xn--bcher-kva.example", 80)]


async def test_allowlisted_name_may_resolve_private() -> None:
    resolver = FakeResolver({"intranet.example": ["10.1.2.3"]})
    policy = OutboundPolicy(allow_hosts=("intranet.example:8443",))
    target = await check_url("https://intranet.example:8443/", policy, resolver=resolver)
    assert str(target.address) == "10.1.2.3"
    with pytest.raises(BlockedAddressError):
        await check_url("https://intranet.example/", policy, resolver=resolver)


async def test_allowlisted_cidr_admits_resolved_address_on_port() -> None:
    resolver = FakeResolver({"svc.example": ["10.1.2.3"]})
    policy = OutboundPolicy(allow_hosts=("10.1.0.0/16:80",))
    assert (await check_url("http://svc.example/", policy, resolver=resolver)).port == 80
    with pytest.raises(BlockedAddressError):
        await check_url("http://svc.example:81/", policy, resolver=resolver)


async def test_allowlisted_address_admits_every_notation_of_it() -> None:
    policy = OutboundPolicy(allow_hosts=("127.0.0.1:9000",))
    for url in ("http://127.0.0.1:9000/", "http://2130706433:9000/", "http://[::ffff:7f00:1]:9000"):
        target = await check_url(url, policy)
        assert unmap(target.address) == ipaddress.ip_address("127.0.0.1")
    with pytest.raises(BlockedAddressError):
        await check_url("http://127.0.0.2:9000/", policy)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "file:///etc/passwd",
        "gopher://example.com/",
        "javascript:alert(1)",
        "//example.com/",
        "example.com",
        "http://user:pass@example.com/",
        "http://example.com@127.0.0.1/",
        "http://user@example.com/",
        "http://exa mple.com/",
        "http://example.com\\@127.0.0.1/",
        "http://example.com/\r\nHost: x",
        "http://example.com:99999/",
        "http:///path",
        "",
    ],
)
async def test_invalid_urls(url: str) -> None:
    with pytest.raises(InvalidOutboundRequest) as info:
        await check_url(url, DEFAULT, resolver=FakeResolver({"example.com": ["93.184.216.34"]}))
    assert info.value.type == "invalid_request"


async def test_dns_failures_are_network_errors() -> None:
    with pytest.raises(OutboundHTTPError) as info:
        await check_url("http://nowhere.example/", DEFAULT, resolver=FakeResolver({}))
    assert info.value.type == "http.network"
    assert info.value.retryable is False

    async def flaky(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    with pytest.raises(OutboundHTTPError) as info:
        await check_url("http://flaky.example/", DEFAULT, resolver=flaky)
    assert info.value.retryable is True

    with pytest.raises(OutboundHTTPError):
        await check_url(
            "http://empty.example/", DEFAULT, resolver=FakeResolver({"empty.example": []})
        )


async def test_system_resolver_runs_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[threading.Thread] = []

    def fake_getaddrinfo(host: str, port: int, *args: object, **kwargs: object) -> list[object]:
        threads.append(threading.current_thread())
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    target = await check_url("http://public.example/", DEFAULT)
    assert str(target.address) == "93.184.216.34"
    assert len(threads) == 1
    assert threads[0] is not threading.main_thread()


def test_error_types_and_retryability() -> None:
    cases: list[tuple[OutboundError, str, bool]] = [
        (BlockedAddressError("m", host="h", reason="loopback"), "blocked_address", False),
        (OutboundTimeout("m"), "timeout", True),
        (OutboundHTTPError("m"), "http.network", True),
        (ResponseTooLarge("m", limit=1), "http.too_large", False),
        (TooManyRedirects("m"), "http.too_many_redirects", False),
        (InvalidOutboundRequest("m"), "invalid_request", False),
    ]
    for error, kind, retryable in cases:
        assert (error.type, error.retryable, error.message) == (kind, retryable, "m")


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (200, False),
        (301, False),
        (400, False),
        (404, False),
        (408, True),
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (599, True),
        (600, False),
    ],
)
def test_is_retryable_status(status: int, retryable: bool) -> None:
    assert is_retryable_status(status) is retryable
