"""Shared pieces of the embedded development services."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path


class ServiceError(Exception):
    """An embedded service could not be started or reached; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def sticky_port(port_file: Path, preferred: int) -> int:
    """The service's port: chosen once, then kept in the data folder.

    Keeping it makes the URLs printed by ``agentflow services up`` stay valid across
    restarts, and lets a second checkout pick another free port instead of clashing.
    """
    if port_file.exists():
        return int(port_file.read_text().strip())
    port = preferred
    while not port_is_free(port):
        port += 1
    port_file.parent.mkdir(parents=True, exist_ok=True)
    port_file.write_text(f"{port}\n")
    return port


def wait_until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise ServiceError(f"{what} did not become ready within {timeout_s:.0f} s")
