"""The HTTP node's request: render the config, send it guarded, judge the status.

``url``, ``headers``, ``query`` and ``body`` leave the system, so they are the
fields where a secret may be placed whole (``Bearer {{ env.TOKEN }}``): they
are rendered with ``secrets="outbound"`` for the request and again with
``secrets="masked"`` for the step's recorded input, which so shows ``••••••``
where a secret went (``method`` is never a place for one). Any other use of a
secret, here as everywhere, is an ``expression`` error naming it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from agentflow.engine.context import NodeContext
from agentflow.engine.errors import ERROR_TYPES, NodeError
from agentflow.net import GuardedClient, GuardedResponse, OutboundError, OutboundPolicy
from agentflow.spec.expressions import SECRET_MASK, SecretMode, render_template, render_value

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


def _string_map(
    raw: Any, scope: Mapping[str, Any], what: str, secrets: SecretMode
) -> dict[str, Any]:
    if isinstance(raw, str):
        value = render_template(raw, scope, secrets=secrets)
    else:
        value = render_value(raw, scope, secrets=secrets)
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


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _outbound_error(exc: OutboundError, sent_url: str, recorded_url: str) -> NodeError:
    kind = exc.type if exc.type.split(".")[0] in ERROR_TYPES else f"http.{exc.type}"
    message = exc.message
    if sent_url != recorded_url:  # a secret is in the URL: the client's message may name it
        message = message.replace(sent_url, recorded_url)
        sent_host, recorded_host = _host(sent_url), _host(recorded_url)
        if sent_host and sent_host != recorded_host:
            message = message.replace(sent_host, recorded_host or SECRET_MASK)
    return NodeError(kind, message, retryable=exc.retryable)


def _render_request(
    config: HttpConfig, scope: Mapping[str, Any], secrets: SecretMode
) -> dict[str, Any]:
    """The request's parts, each secret placed in it as ``secrets`` says."""
    method = _text(render_template(config.method, scope), "method").strip().upper()
    if method not in HTTP_METHODS:
        raise NodeError("validation", f"unknown HTTP method {method[:20]!r}")
    return {
        "method": method,
        "url": _text(render_template(config.url, scope, secrets=secrets), "url").strip(),
        "headers": _string_map(config.headers, scope, "headers", secrets),
        "query": _string_map(config.query, scope, "query", secrets),
        "body": render_value(config.body, scope, secrets=secrets),
    }


async def send(config: HttpConfig, ctx: NodeContext) -> dict[str, Any]:
    scope = ctx.scope
    recorded = _render_request(config, scope, "masked")
    ctx.resolved_input = recorded
    # Without secrets in scope both renderings are the same; skip the second one.
    request = _render_request(config, scope, "outbound") if scope.get("env") else recorded
    method, url, query, body = (request[key] for key in ("method", "url", "query", "body"))
    headers = dict(request["headers"])  # the additions below are not part of the record
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
        raise _outbound_error(exc, url, recorded["url"]) from None
    _check_status(response, method, recorded["url"])
    return {"status": response.status, "headers": response.headers, "body": response.parsed()}


def _check_status(response: GuardedResponse, method: str, url: str) -> None:
    if response.status < 400:
        return
    snippet = " ".join(response.text[:_ERROR_BODY_CHARS].split())
    message = f"{method} {url} returned {response.status}" + (f": {snippet}" if snippet else "")
    raise NodeError("http.status", message, retryable=response.retryable)
