"""The connection goes to the checked address only: DNS rebinding, TLS with a pinned IP."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from agentflow.net import (
    BlockedAddressError,
    GuardedClient,
    GuardedTransport,
    OutboundHTTPError,
    OutboundPolicy,
)
from agentflow.net.transport import PinnedBackend

from .conftest import LocalServer


class Rebinder:
    """DNS that answers the first lookup with `first`, every later one with `then`."""

    def __init__(self, first: str, then: str) -> None:
        self.answers = [first, then]
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.calls.append(host)
        return [self.answers[min(len(self.calls), 2) - 1]]


@pytest.fixture
def rebound_os_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the OS resolver answer 127.0.0.2 for rebind.test, recording each lookup."""
    lookups: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host in ("rebind.test", b"rebind.test"):
            lookups.append("rebind.test")
            host = "127.0.0.2"
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


async def test_unguarded_client_would_follow_the_rebinding(
    server: LocalServer, canary: LocalServer, rebound_os_dns: list[str]
) -> None:
    """Control: the setup below really catches a client that resolves again."""
    async with httpx.AsyncClient(trust_env=False) as plain:
        response = await plain.get(f"http://rebind.test:{server.port}/ok")
    assert response.status_code == 200
    assert len(canary.hits) == 1
    assert rebound_os_dns == ["rebind.test"]


async def test_connection_is_pinned_to_the_checked_address(
    server: LocalServer, canary: LocalServer, rebound_os_dns: list[str]
) -> None:
    resolver = Rebinder(first="127.0.0.1", then="127.0.0.2")
    policy = OutboundPolicy(allow_hosts=(f"127.0.0.1:{server.port}",))
    async with GuardedClient(policy, resolver=resolver) as client:
        response = await client.request("GET", f"http://rebind.test:{server.port}/echo")
        assert response.status == 200
        assert response.remote_address == "127.0.0.1"
        assert response.json()["headers"]["host"] == f"rebind.test:{server.port}"
        assert resolver.calls == ["rebind.test"]  # one resolution for check and connect
        assert rebound_os_dns == []  # the connection layer never looked the name up

        # The next request resolves again: the rebound answer is checked and refused.
        with pytest.raises(BlockedAddressError) as info:
            await client.request("GET", f"http://rebind.test:{server.port}/echo")
    assert info.value.reason == "loopback"
    assert resolver.calls == ["rebind.test", "rebind.test"]
    assert len(server.hits) == 1
    assert canary.hits == []


async def test_pinned_backend_refuses_unchecked_connections(server: LocalServer) -> None:
    backend = PinnedBackend()
    with pytest.raises(BlockedAddressError) as info:
        await backend.connect_tcp("127.0.0.1", server.port)
    assert info.value.reason == "unchecked"
    with pytest.raises(BlockedAddressError):
        await backend.connect_unix_socket("/run/docker.sock")


async def test_falls_back_to_the_next_checked_address(server: LocalServer, free_port: int) -> None:
    async def resolver(host: str, port: int) -> Sequence[str]:
        return ["127.0.0.3", "127.0.0.1"]  # nothing listens on 127.0.0.3

    policy = OutboundPolicy(allow_hosts=("127.0.0.0/8",))
    async with GuardedClient(policy, resolver=resolver) as client:
        response = await client.request("GET", f"http://two.test:{server.port}/ok")
    assert response.remote_address == "127.0.0.1"


async def test_transport_guards_any_httpx_client(
    server: LocalServer, other_server: LocalServer
) -> None:
    """For SDKs that take an httpx client: every request and redirect hop is checked."""
    transport = GuardedTransport(OutboundPolicy(allow_hosts=(f"127.0.0.1:{server.port}",)))
    async with httpx.AsyncClient(transport=transport, follow_redirects=True) as client:
        assert (await client.get(server.url("/ok"))).text == "hello"
        with pytest.raises(BlockedAddressError):
            await client.get(other_server.url("/ok"))
        with pytest.raises(BlockedAddressError):
            await client.get(server.url(f"/redirect?to={other_server.url('/ok')}"))
    assert other_server.hits == []


async def test_tls_verifies_the_hostname_while_connecting_to_the_pinned_ip(
    tls_server: LocalServer, tls_files: tuple[Path, Path]
) -> None:
    cert, _ = tls_files
    trusted = ssl.create_default_context(cafile=str(cert))

    async def resolver(host: str, port: int) -> Sequence[str]:
        return ["127.0.0.1"]

    policy = OutboundPolicy(allow_hosts=(f"127.0.0.1:{tls_server.port}",))
    async with GuardedClient(policy, resolver=resolver, ssl_context=trusted) as client:
        response = await client.request("GET", f"https://pinned.test:{tls_server.port}/echo")
        assert response.status == 200
        assert response.remote_address == "127.0.0.1"
        assert response.json()["headers"]["host"] == f"pinned.test:{tls_server.port}"

        # Same address, but the certificate does not name 127.0.0.1: verification fails.
        with pytest.raises(OutboundHTTPError) as info:
            await client.request("GET", f"https://127.0.0.1:{tls_server.port}/echo")
    assert info.value.retryable is False
    assert len(tls_server.hits) == 1
