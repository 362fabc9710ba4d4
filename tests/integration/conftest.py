"""Shared integration fixtures: a real local HTTP server and a document builder."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from sqlalchemy import text

from agentflow.db.engine import session_scope
from agentflow.queue import connect
from tests.http_serving import serving


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.integration)


@dataclass
class LocalServer:
    """/ok → 200 JSON; /status/N → N; /flaky/KEY/N → 503 for the first N hits, then 200;
    /echo → the request headers as JSON; /slow/S → 200 after S seconds.
    Every hit is counted by path."""

    port: int = 0
    hits: Counter[str] = field(default_factory=Counter)
    headers_seen: list[dict[str, str]] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            server.hits[self.path] += 1
            server.headers_seen.append(dict(self.headers))
            parts = self.path.strip("/").split("/")
            if parts[0] == "status":
                self._send(int(parts[1]), {"status": int(parts[1])})
            elif parts[0] == "flaky":
                failing = server.hits[self.path] <= int(parts[2])
                self._send(503 if failing else 200, {"hit": server.hits[self.path]})
            elif parts[0] == "slow":
                time.sleep(float(parts[1]))
                self._send(200, {"slept": float(parts[1])})
            elif parts[0] == "echo":
                self._send(200, {"headers": dict(self.headers)})
            else:
                self._send(200, {"ok": True, "path": self.path})

        do_POST = do_GET

    return Handler


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    state = LocalServer()
    with serving(_handler(state)) as state.port:
        yield state


def workflow(nodes: list[dict[str, Any]], edges: list[Any], **extra: Any) -> dict[str, Any]:
    """A document with a manual trigger named ``start`` in front of ``nodes``.

    Edges are ``(source, target)`` or ``(source, target, handle)`` tuples.
    """
    all_edges = []
    for edge in edges:
        source, target, *handle = edge
        all_edges.append(
            {"source": source, "target": target, "source_handle": handle[0] if handle else "out"}
        )
    return {
        "format": "agentflow/v1",
        "name": "scenario",
        "nodes": [{"id": "start", "type": "trigger", "config": {"kind": "manual"}}, *nodes],
        "edges": all_edges,
        **extra,
    }


def age_run(database_url: str, run_id: uuid.UUID, seconds: float, *, waiting: bool) -> None:
    """Move every recorded time of the run ``seconds`` into the past, as if that much time
    had gone by. ``waiting`` says whether it went by while the run waited (its pause
    began that much earlier) or while it executed (only its start moves back)."""
    shift = {"id": run_id, "s": seconds}
    with session_scope(database_url) as session:
        session.execute(
            text(
                "UPDATE runs SET created_at = created_at - make_interval(secs => :s),"
                " started_at = started_at - make_interval(secs => :s)"
                + (", paused_at = paused_at - make_interval(secs => :s)" if waiting else "")
                + " WHERE id = :id"
            ),
            shift,
        )
        session.execute(
            text(
                "UPDATE steps SET started_at = started_at - make_interval(secs => :s),"
                " wait_until = wait_until - make_interval(secs => :s) WHERE run_id = :id"
            ),
            shift,
        )


@pytest.fixture
async def queue(clean_redis: str) -> AsyncIterator[Any]:
    """An arq client of the test Valkey, for use cases that enqueue."""
    pool = await connect(clean_redis)
    yield pool
    await pool.aclose()
