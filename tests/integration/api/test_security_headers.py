"""Security headers on every response of the real app (issue 13, item 8): API answers,
error answers (401, 403, 404, 500), the HTML docs page and streamed bodies alike."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from starlette.types import ASGIApp, Scope

from agentflow.settings import get_settings
from state.web.security_headers import FramingRule, SecurityHeaders
from tests.integration.api.conftest import BASE_URL

ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
HSTS = "max-age=31536000"


def _real_app(extra: FastAPI | None = None) -> ASGIApp:
    """The app as ``agentflow/app.py`` assembles it: the API, then the headers around it."""
    from agentflow.app import create_api, with_security_headers

    api = create_api()
    if extra is not None:
        api.mount("/test-only", extra)
    return with_security_headers(api)


def _failing_routes() -> FastAPI:
    extra = FastAPI()

    @extra.get("/boom")
    async def boom() -> None:
        raise RuntimeError("an unhandled error")

    @extra.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for part in (b"one ", b"two"):
                yield part

        return StreamingResponse(chunks(), media_type="text/plain")

    return extra


@pytest.fixture
async def web(env: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_real_app(_failing_routes()), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


def _directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def assert_secured(response: httpx.Response, *, hsts: bool = True) -> None:
    for name, value in ALWAYS.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    directives = _directives(response.headers["content-security-policy"])
    assert directives["frame-ancestors"] == "'none'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "ws://agentflow.test" in directives["connect-src"].split()
    assert response.headers.get("strict-transport-security") == (HSTS if hsts else None)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/health", None),  # 200 or 503 depending on workers: headers either way
        ("GET", "/api/v1/workflows", 401),
        ("GET", "/api/v1/no-such-route", 404),
        ("GET", "/api/openapi.json", 200),
        ("GET", "/api/docs", 200),
        ("POST", "/auth/logout", 403),  # no Origin: the CSRF check refuses it
        ("GET", "/test-only/boom", 500),
        ("GET", "/test-only/stream", 200),
    ],
)
async def test_every_response_carries_the_security_headers(
    web: httpx.AsyncClient, method: str, path: str, status: int | None
) -> None:
    response = await web.request(method, path)
    if status is not None:
        assert response.status_code == status
    assert_secured(response)


async def test_the_streamed_body_is_passed_through_whole(web: httpx.AsyncClient) -> None:
    response = await web.get("/test-only/stream")
    assert response.text == "one two"


@pytest.fixture
def plain_http(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AGENTFLOW_PUBLIC_URL", "http://agentflow.test")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def test_hsts_only_over_https_and_never_from_a_forwarded_header(plain_http: None) -> None:
    app = _real_app()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://agentflow.test"
    ) as http:
        response = await http.get("/api/v1/workflows", headers={"X-Forwarded-Proto": "https"})
        assert response.status_code == 401
        assert_secured(response, hsts=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://agentflow.test"
    ) as http:
        assert_secured(await http.get("/api/v1/workflows"), hsts=True)


async def test_a_framing_rule_lets_its_pages_be_framed_by_the_origins_it_names(
    env: dict[str, str],
) -> None:
    async def chat_embedders(scope: Scope) -> Sequence[str]:
        assert scope["path"].startswith("/chat/")
        return ["https://customer.example", "https://x.example; script-src *", "*"]

    page = FastAPI()

    @page.get("/{rest:path}")
    async def html() -> dict[str, str]:
        return {"page": "yes"}

    app = SecurityHeaders(page, framing=[FramingRule("/chat/", chat_embedders)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
        framed = await http.get("/chat/some-workflow")
        other = await http.get("/workflows")
    directives = _directives(framed.headers["content-security-policy"])
    assert directives["frame-ancestors"] == "'self' https://customer.example"  # the rest dropped
    assert directives["script-src"] == "'self' 'unsafe-inline' 'unsafe-eval'"
    assert "x-frame-options" not in framed.headers
    assert framed.headers["x-content-type-options"] == "nosniff"
    assert_secured(other)
