"""litellm's HTTP requests, sent through the guarded transport of :mod:`agentflow.net`.

litellm has no single "use this httpx client" switch, but every async request
of the providers this instance may enable leaves through one of two places:

* ``litellm.aclient_session``: the httpx client the OpenAI SDK based
  providers (openai, azure, ...) are built around;
* ``AsyncHTTPHandler.create_async_transport``: the transport of every httpx
  client litellm's own HTTP handler makes (anthropic, gemini, mistral, groq,
  ollama, ...). By default it would be an aiohttp transport with its own
  resolver, outside any guard.

:func:`install` points both at one :class:`LlmTransport`, and makes litellm's
synchronous clients refuse to send (an async completion never needs them; a
provider that would is refused rather than let through unguarded). Each request
is then checked by :class:`agentflow.net.GuardedTransport`: one resolution,
private, loopback, link-local and metadata addresses refused, the checked IP
pinned, every redirect hop checked again. The only hosts admitted despite the
private-address rule are the instance's configured model servers
(:meth:`agentflow.llm.providers.ModelPolicy.outbound_policy`).

Which providers are known to go through these places is
:data:`agentflow.llm.providers.GUARDED_PROVIDERS`; tests send a request of
each and check that it reached the guard and that nothing else opened a socket.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import httpx

from agentflow.net import BlockedAddressError, GuardedTransport, OutboundPolicy, Resolver

_resolver: Resolver | None = None


def use_resolver(resolver: Resolver | None) -> None:
    """Resolve provider hosts with ``resolver`` (tests); None restores the system's."""
    global _resolver
    _resolver = resolver


def _outbound_policy() -> OutboundPolicy:
    from agentflow.llm.providers import instance_model_policy

    return instance_model_policy().outbound_policy()


class LlmTransport(httpx.AsyncBaseTransport):
    """A GuardedTransport per event loop and outbound policy, shared by every client.

    httpcore connection pools belong to the loop that opened their connections,
    while litellm caches its clients for the whole process, so each loop gets its
    own guarded pool. ``aclose`` is a no-op: litellm closes the clients it
    evicts from its cache, and the transport under them is shared.
    """

    def __init__(self) -> None:
        self._pools: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[tuple[OutboundPolicy, Any], GuardedTransport]
        ] = weakref.WeakKeyDictionary()

    def _transport(self) -> GuardedTransport:
        policy = _outbound_policy()
        pools = self._pools.setdefault(asyncio.get_running_loop(), {})
        key = (policy, _resolver)
        transport = pools.get(key)
        if transport is None:
            transport = pools[key] = GuardedTransport(policy, resolver=_resolver)
        return transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._transport().handle_async_request(request)

    async def aclose(self) -> None:
        return None


class RefusedSyncTransport(httpx.BaseTransport):
    """litellm's synchronous clients: nothing is sent (the guard is async only)."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        raise BlockedAddressError(
            f"Refused to connect to {host}: synchronous model requests are not allowed",
            host=host,
            reason="unguarded",
        )


TRANSPORT = LlmTransport()
_SYNC_TRANSPORT = RefusedSyncTransport()


def install(litellm: Any) -> None:
    """Route every HTTP request of ``litellm`` through :data:`TRANSPORT` (idempotent)."""
    from litellm.llms.custom_httpx.http_handler import AsyncHTTPHandler

    def guarded_transport(*args: Any, **kwargs: Any) -> LlmTransport:
        return TRANSPORT

    litellm.disable_aiohttp_transport = True
    litellm.force_ipv4 = False  # it would build a plain httpx transport instead of ours
    litellm.aclient_session = httpx.AsyncClient(
        transport=TRANSPORT, follow_redirects=True, trust_env=False
    )
    litellm.client_session = httpx.Client(transport=_SYNC_TRANSPORT, trust_env=False)
    litellm.sync_transport = _SYNC_TRANSPORT
    # The transport of every httpx client litellm's HTTP handler makes (an alias too).
    for name in ("create_async_transport", "_create_async_transport"):
        setattr(AsyncHTTPHandler, name, staticmethod(guarded_transport))
