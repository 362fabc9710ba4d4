"""A real model server on 127.0.0.1 that counts requests, and the instance's LLM settings.

Fixtures import agentflow.llm inside their bodies, so that test modules using only
``model_server`` also run against code without a model policy.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

REPLY = "hello from the model server"

_OPENAI_REPLY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "local-model",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": REPLY}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
}
_OLLAMA_COUNTS = {"done": True, "prompt_eval_count": 3, "eval_count": 4}


@dataclass
class ModelServer:
    """Answers like OpenAI (``.../chat/completions``) and Ollama (``/api/chat``,
    ``/api/generate``); ``/redirect`` redirects to its loopback address. Every
    request is recorded as ``(method, path)``."""

    port: int = 0
    requests: list[tuple[str, str]] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _handler(server: ModelServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self) -> None:
            server.requests.append((self.command, self.path))
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            path = self.path.split("?")[0]
            if path == "/redirect":  # to this same server, by its loopback address
                self.send_response(302)
                self.send_header("Location", f"{server.base}/api/chat")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if path.endswith("/api/chat"):
                body: Any = {"model": "m", "message": {"role": "assistant", "content": REPLY}}
                body |= _OLLAMA_COUNTS
            elif path.endswith("/api/generate"):
                body = {"model": "m", "response": REPLY} | _OLLAMA_COUNTS
            else:
                body = _OPENAI_REPLY
            payload = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _answer

    return Handler


@pytest.fixture
def model_server() -> Iterator[ModelServer]:
    state = ModelServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def instance_policy() -> Iterator[Callable[..., None]]:
    """``instance_policy(ModelPolicy(...))`` sets the instance's policy for one test."""
    from agentflow.llm import use_model_policy

    yield use_model_policy
    use_model_policy(None)


@dataclass(eq=False)
class FakeDns:
    """A resolver for the guard: every name answers ``address``; lookups are recorded."""

    address: str = "127.0.0.1"
    lookups: list[tuple[str, int]] = field(default_factory=list)

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append((host, port))
        return [self.address]


@pytest.fixture
def fake_dns() -> Iterator[FakeDns]:
    """The LLM guard resolves every provider host through a FakeDns for one test."""
    from agentflow.llm.network import use_resolver

    dns = FakeDns()
    use_resolver(dns)
    yield dns
    use_resolver(None)


_sockets: list[tuple[str, Any]] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _sockets is not None and event in ("socket.connect", "socket.getaddrinfo"):
        _sockets.append((event, args[1] if event == "socket.connect" else args[0]))


_hook_installed = False


@pytest.fixture
def sockets() -> Iterator[list[tuple[str, Any]]]:
    """Every socket connect and name lookup this process makes during the test, from
    any library (an audit hook: what nothing below the guard can hide)."""
    global _sockets, _hook_installed
    if not _hook_installed:
        sys.addaudithook(_audit)
        _hook_installed = True
    _sockets = []
    yield _sockets
    _sockets = None
