"""GuardedClient: the one way AgentFlow sends HTTP requests to the outside world.

Adds to `GuardedTransport` (check + IP pinning on every hop): redirects followed
here (each hop re-checked, http/https only, credentials dropped across origins),
a streamed body size limit, a total time limit, and typed errors.
No cookie jar, no proxy from the environment, no auth from ``.netrc``.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import time
from collections.abc import AsyncIterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import urljoin

import httpx

from agentflow.net.body import ACCEPT_ENCODING, read_limited
from agentflow.net.check import DEFAULT_PORTS, Resolver, parse_url
from agentflow.net.errors import (
    InvalidOutboundRequest,
    OutboundHTTPError,
    OutboundTimeout,
    ResponseTooLarge,
    TooManyRedirects,
)
from agentflow.net.policy import OutboundPolicy
from agentflow.net.response import GuardedResponse
from agentflow.net.transport import GuardedTransport

ParamValue = str | int | float | bool | None
Params = Mapping[str, ParamValue | Sequence[ParamValue]]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ALLOWED_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_CLIENT_HEADERS = frozenset({"host", "content-length", "transfer-encoding"})
_BODY_HEADERS = ("content-type", "content-length", "transfer-encoding", "content-encoding")
_BAD_HEADER_TEXT = re.compile(r"[\r\n\x00]")


def _tls_verification_failed(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@contextlib.contextmanager
def _translate_errors() -> Iterator[None]:
    try:
        yield
    except httpx.TimeoutException as exc:
        raise OutboundTimeout(f"Timed out ({type(exc).__name__})") from exc
    except (httpx.LocalProtocolError, httpx.UnsupportedProtocol) as exc:
        raise OutboundHTTPError(f"Could not send the request: {exc}", retryable=False) from exc
    except httpx.TransportError as exc:
        retryable = not _tls_verification_failed(exc)
        raise OutboundHTTPError(f"{type(exc).__name__}: {exc}", retryable=retryable) from exc
    except httpx.InvalidURL as exc:
        raise InvalidOutboundRequest(f"Malformed URL: {exc}") from exc


def _origin(url: httpx.URL) -> tuple[str, bytes, int]:
    return url.scheme, url.raw_host, url.port or DEFAULT_PORTS.get(url.scheme, 0)


def _remote_address(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    address = stream.get_extra_info("server_addr") if stream is not None else None
    return str(address[0]) if address else None


class GuardedClient:
    """Async HTTP client for every outbound request; use as ``async with``."""

    def __init__(
        self,
        policy: OutboundPolicy | None = None,
        *,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.policy = policy or OutboundPolicy()
        self._transport = GuardedTransport(self.policy, resolver=resolver, ssl_context=ssl_context)

    async def __aenter__(self) -> GuardedClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Params | None = None,
        content: bytes | str | None = None,
        json: Any = None,
        timeout_s: float | None = None,
    ) -> GuardedResponse:
        """Send, following redirects; any HTTP status is returned, not raised."""
        total = self.policy.total_timeout_s if timeout_s is None else timeout_s
        if total <= 0:
            raise InvalidOutboundRequest("timeout_s must be > 0")
        started = time.monotonic()
        try:
            async with asyncio.timeout(total):
                request = self._build(method, url, headers, params, content, json)
                return await self._send_following(request, started)
        except TimeoutError as exc:
            raise OutboundTimeout(f"Request took longer than {total:g} s") from exc

    def _build(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        params: Params | None,
        content: bytes | str | None,
        json_body: Any,
    ) -> httpx.Request:
        method = method.upper()
        if method not in ALLOWED_METHODS:
            raise InvalidOutboundRequest(f"HTTP method {method!r} is not allowed")
        if content is not None and json_body is not None:
            raise InvalidOutboundRequest("Give content or json, not both")
        target = parse_url(url, self.policy)
        if params:
            target = target.copy_merge_params(params)
        merged = httpx.Headers(
            {
                "user-agent": self.policy.user_agent,
                "accept": "*/*",
                "accept-encoding": ACCEPT_ENCODING,
            }
        )
        for name, value in (headers or {}).items():
            if name.lower() in _CLIENT_HEADERS:
                raise InvalidOutboundRequest(f"The {name} header is set by the client")
            if _BAD_HEADER_TEXT.search(name) or _BAD_HEADER_TEXT.search(value):
                raise InvalidOutboundRequest(f"Header {name!r} contains a line break")
            merged[name] = value
        timeouts = httpx.Timeout(
            connect=self.policy.connect_timeout_s,
            read=self.policy.read_timeout_s,
            write=self.policy.read_timeout_s,
            pool=self.policy.connect_timeout_s,
        )
        try:
            return httpx.Request(
                method,
                target,
                headers=merged,
                content=content,
                json=json_body,
                extensions={"timeout": timeouts.as_dict()},
            )
        except (TypeError, ValueError) as exc:
            raise InvalidOutboundRequest(f"Could not encode the request: {exc}") from exc

    async def _send_following(self, request: httpx.Request, started: float) -> GuardedResponse:
        history: list[str] = []
        while True:
            with _translate_errors():
                response = await self._transport.handle_async_request(request)
            try:
                location = response.headers.get("location")
                if response.status_code in REDIRECT_STATUSES and location:
                    if len(history) >= self.policy.max_redirects:
                        raise TooManyRedirects(f"More than {self.policy.max_redirects} redirects")
                    next_request = self._redirect(request, response.status_code, location)
                else:
                    remote = _remote_address(response)
                    body = await self._read(response, head=request.method == "HEAD")
                    return GuardedResponse(
                        status=response.status_code,
                        headers=dict(response.headers.items()),
                        body=body,
                        url=str(request.url),
                        elapsed_s=time.monotonic() - started,
                        history=tuple(history),
                        remote_address=remote,
                    )
            finally:
                with contextlib.suppress(httpx.HTTPError):
                    await response.aclose()
            history.append(str(request.url))
            request = next_request

    async def _read(self, response: httpx.Response, *, head: bool) -> bytes:
        limit = self.policy.max_response_bytes
        declared = response.headers.get("content-length", "")
        if not head and declared.isdigit() and int(declared) > limit:
            raise ResponseTooLarge(f"Response body is larger than {limit} bytes", limit=limit)
        assert isinstance(response.stream, AsyncIterable)
        with _translate_errors():
            return await read_limited(
                response.stream,
                limit=limit,
                content_encoding=response.headers.get("content-encoding"),
            )

    def _redirect(self, request: httpx.Request, status: int, location: str) -> httpx.Request:
        """The next hop's request: URL re-parsed and re-checked like a caller's URL."""
        target = parse_url(
            urljoin(str(request.url), location.strip().replace(" ", "%20")), self.policy
        )
        method = request.method
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method = "GET"
        headers = httpx.Headers(request.headers)
        for name in ("host", "content-length", "transfer-encoding"):
            headers.pop(name, None)
        content = request.content if method == request.method else None
        if content is None:
            for name in _BODY_HEADERS:
                headers.pop(name, None)
        if _origin(target) != _origin(request.url):
            for name in self.policy.sensitive_headers:
                headers.pop(name, None)
        return httpx.Request(
            method, target, headers=headers, content=content or None, extensions=request.extensions
        )
