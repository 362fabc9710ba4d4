"""Deep links: an address matching a page route answers 200, any other keeps its 404."""

from __future__ import annotations

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from state.web.page_status import PageStatus, route_pattern

ROUTES = ["/", "/workflows", "/workflows/[workflow_id]", "/analytics/workflows/[workflow_id]"]


async def static_fallback(scope: Scope, receive: Receive, send: Send) -> None:
    """What the compiled frontend's static server does for a path it has no file for."""
    await send({"type": "http.response.start", "status": 404, "headers": [(b"x-body", b"spa")]})
    await send({"type": "http.response.body", "body": b"<html>spa</html>"})


def client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=PageStatus(static_fallback, ROUTES))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.mark.parametrize(
    "path", ["/", "/workflows/3f2c7e0e", "/workflows/3f2c7e0e/", "/analytics/workflows/x1"]
)
async def test_an_address_a_page_route_serves_answers_200_with_the_same_body(path: str) -> None:
    async with client() as http:
        answer = await http.get(path)
        head = await http.head(path)
    assert answer.status_code == 200 and head.status_code == 200
    assert answer.text == "<html>spa</html>" and answer.headers["x-body"] == "spa"


@pytest.mark.parametrize(
    "path", ["/no-such-page", "/workflows/a/b", "/workflowsx", "/analytics/workflows/"]
)
async def test_an_address_no_page_has_keeps_its_404(path: str) -> None:
    async with client() as http:
        assert (await http.get(path)).status_code == 404


async def test_only_reads_are_changed() -> None:
    async with client() as http:
        assert (await http.post("/workflows/3f2c7e0e")).status_code == 404


def test_a_route_argument_is_one_path_segment() -> None:
    pattern = route_pattern("/executions/[run_id]")
    assert pattern.match("/executions/5d9e0c1a-0000")
    assert not pattern.match("/executions/")
    assert not pattern.match("/executions/a/b")
    assert route_pattern("/").match("/")
