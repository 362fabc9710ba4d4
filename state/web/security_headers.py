"""Security headers on every response of the web process: pages, API, errors, assets.

:class:`SecurityHeaders` is a pure ASGI middleware (it edits the
``http.response.start`` message and passes everything else through, so
streaming responses are not buffered and websockets are untouched). ``agentflow/app.py``
wraps the whole ASGI app in it through ``api_transformer``: in ``agentflow up``
(``reflex run --env prod --single-port``) the same app serves the compiled
frontend's HTML, the API and the page-event socket, so this one place covers
every page, every API answer and the error responses (404, 401, 500) alike.

Headers added (a response that already sets one keeps its own):

* ``X-Content-Type-Options: nosniff``.
* ``Referrer-Policy: same-origin``: nothing (no path, so no reset or invitation
  token in a query) is sent to other sites, and same-site form posts keep
  their ``Origin`` header, which the CSRF check reads (``no-referrer`` would
  turn it into ``Origin: null``).
* ``Content-Security-Policy``: see :func:`content_security_policy`. It is what
  the Reflex frontend needs and no more: scripts only from this origin, but
  inline and ``eval`` allowed (the static export bootstraps React Router with
  inline scripts, and Reflex evaluates the scripts the server sends for
  ``rx.toast`` or ``rx.set_clipboard``); inline styles (Radix, emotion, React Flow);
  images from this origin, ``data:`` and ``blob:``; connections to this origin,
  including the page-event websocket (``ws:``/``wss:`` of the requested host);
  no plugins, no ``<base>`` elsewhere, forms posted only here, and no framing.
* ``X-Frame-Options: DENY`` with ``frame-ancestors 'none'`` (the header for old
  browsers, the directive for the rest).
* ``Strict-Transport-Security: max-age=31536000`` when the request came over
  HTTPS (the server's own ``scope["scheme"]``), or when the configured public
  address (``AGENTFLOW_PUBLIC_URL``) is ``https://``: the operator's explicit word
  that a TLS proxy is in front. ``X-Forwarded-Proto`` is not read here; browsers
  ignore the header on plain HTTP anyway.

Framing exceptions: a :class:`FramingRule` names a path prefix and an async
function of the request scope that returns the origins allowed to frame that
page (for the hosted chat page: the ones its workflow lists). For a match the
policy says ``frame-ancestors 'self' <origins>`` and no ``X-Frame-Options`` is
sent; an empty answer keeps the default. Origins that are not plain
``scheme://host[:port]`` are dropped, so stored values cannot inject directives.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agentflow.settings import get_settings

HSTS = "max-age=31536000"
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?")
_ORIGIN = re.compile(r"https?://(" + _HOST.pattern + ")")

FrameAncestors = Callable[[Scope], Awaitable[Sequence[str]]]


@dataclass(frozen=True)
class FramingRule:
    """Pages under ``prefix`` may be framed by the origins ``ancestors`` returns."""

    prefix: str
    ancestors: FrameAncestors


def content_security_policy(host: str | None, frame_ancestors: Sequence[str] = ()) -> str:
    """The policy for a response to a request for ``host`` (the ``Host`` header)."""
    sockets = f" ws://{host} wss://{host}" if host and _HOST.fullmatch(host) else ""
    ancestors = " ".join(("'self'", *frame_ancestors)) if frame_ancestors else "'none'"
    directives = (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        f"connect-src 'self'{sockets}",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {ancestors}",
    )
    return "; ".join(directives)


def _host(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"host":
            return value.decode("latin-1")
    return None


def _secure(scope: Scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    return get_settings().base_url.lower().startswith("https://")


class SecurityHeaders:
    """Pure ASGI middleware adding the headers of this module to every HTTP response."""

    def __init__(self, app: ASGIApp, *, framing: Sequence[FramingRule] = ()) -> None:
        self.app = app
        self.framing = tuple(framing)

    async def _frame_ancestors(self, scope: Scope) -> list[str]:
        path: str = scope.get("path", "")
        for rule in self.framing:
            if path.startswith(rule.prefix):
                allowed = await rule.ancestors(scope)
                return [origin for origin in allowed if _ORIGIN.fullmatch(origin)]
        return []

    def _headers(self, scope: Scope, frame_ancestors: list[str]) -> list[tuple[str, str]]:
        headers = [
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
            ("Content-Security-Policy", content_security_policy(_host(scope), frame_ancestors)),
        ]
        if not frame_ancestors:
            headers.append(("X-Frame-Options", "DENY"))
        if _secure(scope):
            headers.append(("Strict-Transport-Security", HSTS))
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # websockets and lifespan pass through untouched
            await self.app(scope, receive, send)
            return
        added = self._headers(scope, await self._frame_ancestors(scope))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                if not isinstance(message["headers"], list):
                    message["headers"] = list(message["headers"])
                headers = MutableHeaders(scope=message)
                for name, value in added:
                    if name not in headers:
                        headers.append(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
