"""The HTTP node's request: render the config, send it guarded, judge the status."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from agentflow.engine.context import NodeContext
from agentflow.engine.errors import ERROR_TYPES, NodeError
from agentflow.net import GuardedClient, GuardedResponse, OutboundError, OutboundPolicy
from agentflow.spec.expressions import render_template, render_value

if TYPE_CHECKING:
    from agentflow.nodes.http import HttpConfig

HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_ERROR_BODY_CHARS = 200


def _scalar(value: Any, what: str) -> str | None:
    """A header or query value as text; None drops the entry."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    raise NodeError("validation", f"{what} must be a string, number or boolean")


def _string_map(raw: Any, scope: Mapping[str, Any], what: str) -> dict[str, Any]:
    value = render_template(raw, scope) if isinstance(raw, str) else render_value(raw, scope)
    if not isinstance(value, Mapping):
        raise NodeError("validation", f"{what} must be an object, got {type(value).__name__}")
    result: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, list) and what == "query":
            items = [_scalar(element, f"query {key!r}") for element in item]
            result[str(key)] = [element for element in items if element is not None]
        else:
            text = _scalar(item, f"{what} {key!r}")
            if text is not None:
                result[str(key)] = text
    return result


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise NodeError("validation", f"{what} must be a string, got {type(value).__name__}")
    return value


def _outbound_error(exc: OutboundError) -> NodeError:
    kind = exc.type if exc.type.split(".")[0] in ERROR_TYPES else f"http.{exc.type}"
    return NodeError(kind, exc.message, retryable=exc.retryable)


async def send(config: HttpConfig, ctx: NodeContext) -> dict[str, Any]:
    scope = ctx.scope
    method = _text(render_template(config.method, scope), "method").strip().upper()
    if method not in HTTP_METHODS:
        raise NodeError("validation", f"unknown HTTP method {method[:20]!r}")
    url = _text(render_template(config.url, scope), "url").strip()
    headers = _string_map(config.headers, scope, "headers")
    query = _string_map(config.query, scope, "query")
    body = render_value(config.body, scope)
    ctx.resolved_input = {
        "method": method,
        "url": url,
        "headers": headers,
        "query": query,
        "body": body,
    }
    if config.credential is not None:
        token = ctx.deps.secrets.get(config.credential)
        if token is None:
            raise NodeError("validation", f"credential {config.credential!r} is not defined")
        headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        headers["Authorization"] = f"Bearer {token}"
    content: str | None = None
    json_body: Any = None
    if isinstance(body, str):
        content = body
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "text/plain; charset=utf-8"
    elif body is not None:
        json_body = body
    try:
        policy = OutboundPolicy(allow_hosts=ctx.deps.allow_hosts)
    except ValueError as exc:
        raise NodeError("validation", f"the organisation's allowed hosts: {exc}") from None
    try:
        async with GuardedClient(policy) as client:
            response = await client.request(
                method,
                url,
                headers=headers,
                params=query,
                content=content,
                json=json_body,
                timeout_s=config.timeout_s,
            )
    except OutboundError as exc:
        raise _outbound_error(exc) from None
    _check_status(response, method, url)
    return {"status": response.status, "headers": response.headers, "body": response.parsed()}


def _check_status(response: GuardedResponse, method: str, url: str) -> None:
    if response.status < 400:
        return
    snippet = " ".join(response.text[:_ERROR_BODY_CHARS].split())
    message = f"{method} {url} returned {response.status}" + (f": {snippet}" if snippet else "")
    raise NodeError("http.status", message, retryable=response.retryable)
