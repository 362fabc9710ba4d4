"""GuardedClient against real servers on 127.0.0.1: refusal, allowlist, redirects, limits."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from agentflow.net import (
    BlockedAddressError,
    GuardedClient,
    InvalidOutboundRequest,
    OutboundHTTPError,
    OutboundPolicy,
    OutboundTimeout,
    ResponseTooLarge,
)

from .conftest import LocalServer


def allowing(*servers: LocalServer, **limits: object) -> GuardedClient:
    rules = tuple(f"{s.host}:{s.port}" for s in servers)
    return GuardedClient(OutboundPolicy(allow_hosts=rules, **limits))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "template",
    [
        "http://127.0.0.1:{port}/ok",
        "http://2130706433:{port}/ok",
        "http://0x7f000001:{port}/ok",
        "http://0177.0.0.1:{port}/ok",
        "http://127.1:{port}/ok",
        "http://0x7f.1:{port}/ok",
        "http://[::ffff:127.0.0.1]:{port}/ok",
        "http://[::ffff:7f00:1]:{port}/ok",
        "http://localhost:{port}/ok",
    ],
)
async def test_local_server_is_blocked_by_default(server: LocalServer, template: str) -> None:
    async with GuardedClient() as client:
        with pytest.raises(BlockedAddressError) as info:
            await client.request("GET", template.format(port=server.port))
    assert info.value.type == "blocked_address"
    assert info.value.retryable is False
    assert server.hits == []


async def test_reachable_when_allowlisted(server: LocalServer) -> None:
    async with allowing(server) as client:
        response = await client.request("GET", server.url("/ok"))
        as_json = await client.request("GET", server.url("/json"))
    assert response.status == 200
    assert response.body == b"hello"
    assert response.text == "hello"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.url == server.url("/ok")
    assert response.remote_address == "127.0.0.1"
    assert response.elapsed_s > 0
    assert as_json.json() == {"ok": True}
    assert as_json.parsed() == {"ok": True}
    assert [hit.path for hit in server.hits] == ["/ok", "/json"]
    assert server.hits[0].headers["host"] == f"127.0.0.1:{server.port}"
    assert server.hits[0].headers["user-agent"] == "AgentFlow"


async def test_allow_rule_is_limited_to_its_port(server: LocalServer, other_server) -> None:
    async with allowing(server) as client:
        with pytest.raises(BlockedAddressError):
            await client.request("GET", other_server.url("/ok"))
    assert other_server.hits == []


async def test_any_status_is_returned(server: LocalServer) -> None:
    async with allowing(server) as client:
        unavailable = await client.request("GET", server.url("/status?code=503"))
        missing = await client.request("GET", server.url("/nothing"))
    assert (unavailable.status, unavailable.retryable) == (503, True)
    assert (missing.status, missing.retryable) == (404, False)


async def test_request_body_params_and_headers(server: LocalServer) -> None:
    async with allowing(server) as client:
        response = await client.request(
            "post",
            server.url("/echo?a=1"),
            params={"b": "2", "c": [3, 4]},
            headers={"X-Trace": "t-1"},
            json={"x": [1, 2]},
        )
        head = await client.request("HEAD", server.url("/ok"))
    echo = response.json()
    assert echo["method"] == "POST"
    assert echo["path"] == "/echo?a=1&b=2&c=3&c=4"
    assert echo["headers"]["content-type"] == "application/json"
    assert echo["headers"]["x-trace"] == "t-1"
    assert echo["body"] == '{"x":[1,2]}'
    assert (head.status, head.body) == (200, b"")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"headers": {"Host": "internal.example"}}, "Host"),
        ({"headers": {"X-A": "1\r\nX-B: 2"}}, "line break"),
        ({"content": b"a", "json": {}}, "not both"),
        ({"json": {"x": object()}}, "encode"),
        ({"timeout_s": 0}, "timeout_s"),
    ],
)
async def test_invalid_requests(server: LocalServer, kwargs: dict, fragment: str) -> None:
    async with allowing(server) as client:
        with pytest.raises(InvalidOutboundRequest) as info:
            await client.request("POST", server.url("/echo"), **kwargs)
    assert fragment in info.value.message
    assert server.hits == []


async def test_method_allowlist(server: LocalServer) -> None:
    async with allowing(server) as client:
        with pytest.raises(InvalidOutboundRequest):
            await client.request("CONNECT", server.url("/ok"))


async def test_gzip_response_is_decoded(server: LocalServer) -> None:
    async with allowing(server) as client:
        response = await client.request("GET", server.url("/bomb?n=1000"))
    assert response.body == b"\0" * 1000
    assert server.hits[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize(
    "path",
    ["/big?n=2000000", "/big?n=2000000&chunked=1", "/bomb?n=50000000"],
    ids=["content-length", "chunked", "gzip-bomb"],
)
async def test_response_over_the_limit(server: LocalServer, path: str) -> None:
    async with allowing(server, max_response_bytes=1_000_000) as client:
        with pytest.raises(ResponseTooLarge) as info:
            await client.request("GET", server.url(path))
        # the client is still usable afterwards
        assert (await client.request("GET", server.url("/ok"))).status == 200
    assert info.value.type == "http.too_large"
    assert info.value.limit == 1_000_000


async def test_head_of_a_large_resource_is_fine(server: LocalServer) -> None:
    async with allowing(server, max_response_bytes=1000) as client:
        response = await client.request("HEAD", server.url("/big?n=2000000"))
    assert (response.status, response.headers["content-length"]) == (200, "2000000")


async def test_response_at_the_limit(server: LocalServer) -> None:
    async with allowing(server, max_response_bytes=1_000_000) as client:
        response = await client.request("GET", server.url("/big?n=1000000&chunked=1"))
    assert len(response.body) == 1_000_000


async def test_total_timeout(server: LocalServer) -> None:
    started = time.monotonic()
    async with allowing(server) as client:
        with pytest.raises(OutboundTimeout) as info:
            await client.request("GET", server.url("/slow?s=3"), timeout_s=0.3)
    assert time.monotonic() - started < 2
    assert info.value.retryable is True
    assert info.value.type == "timeout"


async def test_read_timeout(server: LocalServer) -> None:
    async with allowing(server, read_timeout_s=0.3) as client:
        with pytest.raises(OutboundTimeout) as info:
            await client.request("GET", server.url("/slow?s=3"))
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


async def test_connection_refused_is_a_retryable_network_error(free_port: int) -> None:
    async with GuardedClient(OutboundPolicy(allow_hosts=(f"127.0.0.1:{free_port}",))) as client:
        with pytest.raises(OutboundHTTPError) as info:
            await client.request("GET", f"http://127.0.0.1:{free_port}/")
    assert info.value.type == "http.network"
    assert info.value.retryable is True


async def test_concurrent_requests(server: LocalServer) -> None:
    async with allowing(server) as client:
        responses = await asyncio.gather(
            *(client.request("GET", server.url(f"/echo?i={i}")) for i in range(20))
        )
    assert sorted(r.json()["path"] for r in responses) == sorted(f"/echo?i={i}" for i in range(20))


async def test_no_cookie_jar(server: LocalServer) -> None:
    async with allowing(server) as client:
        await client.request("GET", server.url("/cookie"))
        echo = (await client.request("GET", server.url("/echo"))).json()
    assert "cookie" not in echo["headers"]
