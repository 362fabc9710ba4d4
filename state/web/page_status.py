"""Deep links answer with the status of the page they open.

The compiled frontend has a file for each fixed address only. An address with an
id in it (``/workflows/<id>``, ``/executions/<id>``) is served the single-page
fallback, which the static server sends with 404 although the page then opens
normally: a bookmark or a shared link looks broken to a proxy, a monitor or the
browser console. :class:`PageStatus` gives every address that matches a
registered page route a 200 instead; an address no page has keeps its 404, and
the app's not-found page (``state.pages.shell.not_found_page``) says so inside
the shell.

A pure ASGI layer like :mod:`state.web.security_headers`: it edits the
``http.response.start`` message of GET and HEAD requests and passes everything
else through untouched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_ROUTE_ARGUMENT = re.compile(r"\\\[[^/]+?\\\]")  # an escaped ``[name]`` segment


def route_pattern(route: str) -> re.Pattern[str]:
    """The addresses a Reflex page route serves: ``/runs/[run_id]`` -> ``/runs/<one segment>``,
    with or without a trailing slash."""
    escaped = re.escape(route.rstrip("/"))
    return re.compile("^" + _ROUTE_ARGUMENT.sub("[^/]+", escaped) + "/?$")


class PageStatus:
    def __init__(self, app: ASGIApp, routes: Iterable[str]) -> None:
        self.app = app
        self.patterns = [route_pattern(route) for route in routes]

    def is_page(self, path: str) -> bool:
        return any(pattern.match(path) for pattern in self.patterns)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not self.is_page(scope["path"])
        ):
            await self.app(scope, receive, send)
            return

        async def send_page_status(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 404:
                message = {**message, "status": 200}
            await send(message)

        await self.app(scope, receive, send_page_status)
