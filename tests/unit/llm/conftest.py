"""The LLM tests' fixtures: the model server and settings (tests/llm_servers.py), and
an audit hook that sees every socket the process opens."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.llm_servers import (  # noqa: F401 - fixtures, and names the tests import
    REPLY,
    FakeDns,
    ModelServer,
    fake_dns,
    instance_policy,
    model_server,
)

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
