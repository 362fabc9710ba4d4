"""An httpx transport that checks every request and connects only to checked IPs.

`GuardedTransport.handle_async_request` runs `check_parsed_url` (one DNS
resolution, every address checked), then hands the request to an httpcore
connection pool whose network backend (`PinnedBackend`, httpcore's public
extension point) connects to those addresses only. The URL keeps its hostname,
so the Host header, TLS SNI and certificate verification use the name, while
no second lookup can send the connection elsewhere (DNS rebinding).

The transport can be given to any httpx client (``httpx.AsyncClient(transport=
GuardedTransport(policy))``, e.g. for OAuth or LLM SDKs): every request and
every redirect hop that client makes is checked. Size limits, the total
timeout and the typed response are added by `GuardedClient`.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

from agentflow.net.check import ResolvedTarget, Resolver, check_parsed_url
from agentflow.net.errors import BlockedAddressError
from agentflow.net.policy import OutboundPolicy

# The checked target of the request being sent by the current task.
_PIN: ContextVar[ResolvedTarget | None] = ContextVar("agentflow_net_pin", default=None)

_EXC_MAP: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    # Most specific first.
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextlib.contextmanager
def _map_httpcore_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for source, target in _EXC_MAP:
            if isinstance(exc, source):
                raise target(str(exc)) from exc
        raise


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to the addresses checked for the current request.

    A connection attempt for any other host/port, or with no check in effect,
    is refused, so nothing reaches the network without passing `check_url`.
    Several checked addresses are tried in resolver order.
    """

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        pin = _PIN.get()
        if pin is None or pin.host != host.lower() or pin.port != port:
            raise BlockedAddressError(
                f"Refused to connect to {host}: destination was not checked",
                host=host,
                reason="unchecked",
            )
        last_error: Exception | None = None
        for ip in pin.addresses:
            try:
                return await self._inner.connect_tcp(
                    str(ip),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None  # addresses is never empty
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddressError("Unix sockets are not allowed", host=path, reason="unix_socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _MappedStream(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _map_httpcore_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        closer = getattr(self._stream, "aclose", None)
        if closer is not None:
            with _map_httpcore_errors():
                await closer()


class GuardedTransport(httpx.AsyncBaseTransport):
    """httpx transport: check each request's URL, pin the checked IPs, then send."""

    def __init__(
        self,
        policy: OutboundPolicy | None = None,
        *,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        max_connections: int = 100,
        max_keepalive_connections: int = 20,
        keepalive_expiry: float = 5.0,
    ) -> None:
        self.policy = policy or OutboundPolicy()
        self._resolver = resolver
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive_connections,
            keepalive_expiry=keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=PinnedBackend(network_backend),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = await check_parsed_url(request.url, self.policy, resolver=self._resolver)
        if not isinstance(request.stream, httpx.AsyncByteStream):
            raise TypeError("GuardedTransport needs an async request body")
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        token = _PIN.set(target)
        try:
            with _map_httpcore_errors():
                response = await self._pool.handle_async_request(core_request)
        finally:
            _PIN.reset(token)
        assert isinstance(response.stream, AsyncIterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_MappedStream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
