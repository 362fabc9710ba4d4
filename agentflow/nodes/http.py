"""``http``: one HTTP request through the project's guarded client.

``method``, ``url``, ``headers``, ``query`` and ``body`` are all templates
(the format's table). Values without template markup are checked now: a
literal method must be a known one and a literal URL must be http(s).
``headers`` / ``query`` are objects whose values are templates, or a single
template evaluating to an object.

Execution (see :mod:`agentflow.nodes.http_request`): the request leaves
through the guarded client with the org's ``allow_hosts``; a JSON value body
(an object or list, or a template giving one) is sent as JSON, a string body
as text. The output is ``{"status", "headers", "body"}``, the body parsed
when the response is JSON. Status 408, 429 and 5xx fail with a retryable
``http.status`` error, other 4xx with a permanent one. ``credential`` names an
org credential; until credentials exist it is looked up among the org's
secrets and sent as ``Authorization: Bearer <value>`` (replacing any
``Authorization`` header); an unknown name is a ``validation`` error.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from agentflow.engine.context import NodeContext
from agentflow.nodes.http_request import HTTP_METHODS, send
from agentflow.spec.expressions import has_markup
from agentflow.spec.node_types import TEMPLATE, NodeConfig, NodeType


class HttpConfig(NodeConfig):
    method: str = Field(
        "GET", title="Method", description="HTTP method.", json_schema_extra=TEMPLATE
    )
    url: str = Field(
        min_length=1, title="URL", description="Absolute http(s) URL.", json_schema_extra=TEMPLATE
    )
    headers: dict[str, Any] | str = Field(
        default_factory=dict,
        title="Headers",
        description="Request headers.",
        json_schema_extra=TEMPLATE,
    )
    query: dict[str, Any] | str = Field(
        default_factory=dict,
        title="Query parameters",
        description="Query-string parameters.",
        json_schema_extra=TEMPLATE,
    )
    body: Any = Field(
        None,
        title="Body",
        description="Request body: JSON value (sent as JSON) or text.",
        json_schema_extra=TEMPLATE,
    )
    timeout_s: float = Field(
        30, gt=0, le=300, title="Timeout (s)", description="Limit of the request, in seconds."
    )
    credential: str | None = Field(
        None,
        min_length=1,
        title="Credential",
        description="Name of an org credential to authenticate with.",
    )

    @field_validator("method")
    @classmethod
    def _known_method(cls, value: str) -> str:
        if has_markup(value):
            return value
        if value.upper() not in HTTP_METHODS:
            raise ValueError(f"method must be one of {', '.join(sorted(HTTP_METHODS))}")
        return value.upper()

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not has_markup(value) and not value.lower().startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        return value


class HttpNode(NodeType[HttpConfig]):
    type = "http"
    title = "HTTP request"
    description = "Calls an HTTP API and returns status, headers and body."
    icon = "globe"
    config_model = HttpConfig

    async def execute(self, config: HttpConfig, ctx: NodeContext) -> dict[str, Any]:
        return await send(config, ctx)


HTTP = HttpNode()
