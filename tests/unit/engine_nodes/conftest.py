"""Building a real NodeContext for one node, and a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from agentflow.engine.context import BodyRunner, NodeContext
from agentflow.engine.memory import MemoryApprovalInbox, MemoryRecorder
from agentflow.engine.ports import EngineDeps
from agentflow.nodes.registry import NODE_TYPES
from agentflow.spec.expressions import build_scope
from agentflow.spec.models import SubflowBody
from tests.http_serving import serving

RUN_ID = "3f2c7e0e-0000-4000-8000-000000000001"
STARTED = datetime(2026, 1, 1, 10, 0, 0)


async def no_body(body: SubflowBody, scope: Mapping[str, Any]) -> Any:
    raise AssertionError("this node should not run a body")


def make_deps(**overrides: Any) -> EngineDeps:
    values: dict[str, Any] = {
        "recorder": MemoryRecorder(keep=False),
        "approvals": MemoryApprovalInbox(),
        "node_types": NODE_TYPES,
        "org_id": "org-1",
    }
    values.update(overrides)
    return EngineDeps(**values)


def make_ctx(
    run_input: Any = None,
    *,
    deps: EngineDeps | None = None,
    scope: Mapping[str, Any] | None = None,
    node_outputs: Mapping[str, Any] | None = None,
    run_body: BodyRunner = no_body,
    node_id: str = "step",
    wait_until: datetime | None = None,
) -> NodeContext:
    deps = deps or make_deps()
    if scope is None:
        scope = build_scope(
            run_input={} if run_input is None else run_input,
            node_outputs=node_outputs,
            secrets=deps.secrets,
            run_id=RUN_ID,
            started_at=STARTED,
        )
    return NodeContext(
        run_id=RUN_ID,
        node_id=node_id,
        attempt=1,
        scope=scope,
        deps=deps,
        run_body=run_body,
        wait_until=wait_until,
    )


async def run_node(type_name: str, raw_config: Mapping[str, Any], ctx: NodeContext) -> Any:
    node_type = NODE_TYPES[type_name]
    return await node_type.execute(node_type.parse_config(raw_config), ctx)


class _Handler(BaseHTTPRequestHandler):
    """/json, /text, /status/N, /slow, /echo (the request as JSON)."""

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        parts = url.path.strip("/").split("/")
        if parts[0] == "status":
            self._send(int(parts[1]), f"status {parts[1]} body".encode(), "text/plain")
        elif parts[0] == "text":
            self._send(200, b"plain hello", "text/plain; charset=utf-8")
        elif parts[0] == "slow":
            time.sleep(1.5)
            self._send(200, b"late", "text/plain")
        else:
            echo = {
                "method": self.command,
                "path": url.path,
                "query": parse_qs(url.query),
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
            self._send(200, json.dumps(echo).encode(), "application/json; charset=utf-8")

    do_GET = do_POST = do_PUT = do_DELETE = _handle


@pytest.fixture(scope="module")
def http_base() -> Iterator[str]:
    with serving(_Handler) as port:
        yield f"http://127.0.0.1:{port}"
