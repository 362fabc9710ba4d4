"""Redirects are followed by GuardedClient itself, and every hop is checked again."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from agentflow.net import (
    BlockedAddressError,
    GuardedClient,
    InvalidOutboundRequest,
    OutboundPolicy,
    TooManyRedirects,
)

from .conftest import LocalServer


def allowing(*servers: LocalServer, **limits: object) -> GuardedClient:
    rules = tuple(f"{s.host}:{s.port}" for s in servers)
    return GuardedClient(OutboundPolicy(allow_hosts=rules, **limits))  # type: ignore[arg-type]


def redirect(server: LocalServer, to: str, code: int = 302) -> str:
    return server.url(f"/redirect?code={code}&to={quote(to, safe='')}")


async def test_follows_allowed_redirects(server: LocalServer) -> None:
    first = redirect(server, "/json")
    async with allowing(server) as client:
        response = await client.request("GET", first)
    assert response.status == 200
    assert response.json() == {"ok": True}
    assert response.url == server.url("/json")
    assert response.history == (first,)


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://10.0.0.1/",
        "http://0177.0.0.1:{other}/ok",
        "http://2130706433:{other}/ok",
        "http://127.0.0.1:{other}/ok",
        "http://localhost:{other}/ok",
        "//127.0.0.1:{other}/ok",
    ],
)
async def test_redirect_to_a_blocked_address_is_refused(
    server: LocalServer, other_server: LocalServer, target: str
) -> None:
    async with allowing(server) as client:
        with pytest.raises(BlockedAddressError):
            await client.request("GET", redirect(server, target.format(other=other_server.port)))
    assert len(server.hits) == 1
    assert other_server.hits == []


@pytest.mark.parametrize(
    "target",
    ["file:///etc/passwd", "ftp://example.com/", "gopher://127.0.0.1:70/", "javascript:x"],
)
async def test_redirect_to_another_scheme_is_refused(server: LocalServer, target: str) -> None:
    async with allowing(server) as client:
        with pytest.raises(InvalidOutboundRequest):
            await client.request("GET", redirect(server, target))


async def test_redirect_with_credentials_is_refused(server: LocalServer) -> None:
    async with allowing(server) as client:
        with pytest.raises(InvalidOutboundRequest):
            await client.request("GET", redirect(server, f"http://u:p@127.0.0.1:{server.port}/ok"))


@pytest.mark.parametrize(("max_redirects", "hits"), [(5, 6), (2, 3), (0, 1)])
async def test_redirect_loop_stops_at_the_limit(
    server: LocalServer, max_redirects: int, hits: int
) -> None:
    async with allowing(server, max_redirects=max_redirects) as client:
        with pytest.raises(TooManyRedirects) as info:
            await client.request("GET", server.url("/loop"))
    assert info.value.type == "http.too_many_redirects"
    assert len(server.hits) == hits


async def test_exactly_max_redirects_is_fine(server: LocalServer) -> None:
    url = server.url("/json")
    for _ in range(3):
        url = redirect(server, url)
    async with allowing(server, max_redirects=3) as client:
        response = await client.request("GET", url)
    assert response.status == 200
    assert len(response.history) == 3


@pytest.mark.parametrize(
    ("code", "method", "body"),
    [
        (301, "GET", ""),
        (302, "GET", ""),
        (303, "GET", ""),
        (307, "POST", "data"),
        (308, "POST", "data"),
    ],
)
async def test_method_and_body_after_redirect(
    server: LocalServer, code: int, method: str, body: str
) -> None:
    async with allowing(server) as client:
        response = await client.request(
            "POST",
            redirect(server, "/echo", code),
            content=b"data",
            headers={"Content-Type": "text/plain"},
        )
    echo = response.json()
    assert (echo["method"], echo["body"]) == (method, body)
    assert ("content-type" in echo["headers"]) is bool(body)


async def test_credentials_are_dropped_across_origins(
    server: LocalServer, other_server: LocalServer
) -> None:
    headers = {"Authorization": "Bearer sk-org", "X-Api-Key": "k", "Cookie": "c=1", "X-Trace": "t"}
    async with allowing(server, other_server) as client:
        same = await client.request("GET", redirect(server, "/echo"), headers=headers)
        cross = await client.request(
            "GET", redirect(server, other_server.url("/echo")), headers=headers
        )
    kept = same.json()["headers"]
    assert (kept["authorization"], kept["x-api-key"], kept["cookie"]) == (
        "Bearer sk-org",
        "k",
        "c=1",
    )
    moved = cross.json()["headers"]
    assert not {"authorization", "x-api-key", "cookie"} & moved.keys()
    assert moved["x-trace"] == "t"
    assert moved["host"] == f"127.0.0.1:{other_server.port}"


async def test_redirect_to_a_name_is_resolved_and_checked(
    server: LocalServer, other_server: LocalServer
) -> None:
    lookups: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    policy = OutboundPolicy(allow_hosts=(f"127.0.0.1:{server.port}",))
    async with GuardedClient(policy, resolver=resolver) as client:
        with pytest.raises(BlockedAddressError) as info:
            await client.request(
                "GET", redirect(server, f"http://internal.test:{other_server.port}/ok")
            )
    assert info.value.reason == "loopback"
    assert lookups == ["internal.test"]
    assert other_server.hits == []
