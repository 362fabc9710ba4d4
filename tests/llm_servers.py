"""A real model server on 127.0.0.1 that counts requests, and the instance's LLM settings:
fixtures for every test that calls a model without mock_response.

Fixtures import agentflow.llm inside their bodies, so that test modules using only
``model_server`` also run against code without a model policy.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from tests.http_serving import serving

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
_REFUSED_KEY = {
    "error": {
        "message": "Incorrect API key provided.",
        "type": "invalid_request_error",
        "code": "invalid_api_key",
    }
}
_OLLAMA_COUNTS = {"done": True, "prompt_eval_count": 3, "eval_count": 4}


@dataclass
class ModelServer:
    """Answers like OpenAI (``.../chat/completions``) and Ollama (``/api/chat``,
    ``/api/generate``); ``/redirect`` redirects to its loopback address. Every
    request is recorded as ``(method, path)``."""

    port: int = 0
    requests: list[tuple[str, str]] = field(default_factory=list)
    reply: str = REPLY  # the text every OpenAI-style answer carries
    authorizations: list[str] = field(default_factory=list)  # each request's credentials
    refused: str = ""  # an Authorization header answered 401 like OpenAI does

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _handler(server: ModelServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self) -> None:
            server.requests.append((self.command, self.path))
            server.authorizations.append(
                self.headers.get("Authorization") or self.headers.get("api-key") or ""
            )
            length = int(self.headers.get("Content-Length") or 0)
            sent = json.loads(self.rfile.read(length) or b"{}") if length else {}
            path = self.path.split("?")[0]
            if server.refused and server.authorizations[-1] == server.refused:
                self._send(401, _REFUSED_KEY)
                return
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
                message = {"role": "assistant", "content": server.reply}
                body = _OPENAI_REPLY | {
                    # The model asked for, as OpenAI answers: litellm prices the reply by it.
                    "model": sent.get("model", _OPENAI_REPLY["model"]),
                    "choices": [_OPENAI_REPLY["choices"][0] | {"message": message}],
                }
            self._send(200, body)

        def _send(self, status: int, body: Any) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _answer

    return Handler


@contextlib.contextmanager
def serving_models() -> Iterator[ModelServer]:
    """A ModelServer listening on a free port of 127.0.0.1 until the block ends."""
    state = ModelServer()
    with serving(_handler(state)) as state.port:
        yield state


@pytest.fixture
def model_server() -> Iterator[ModelServer]:
    with serving_models() as server:
        yield server


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
