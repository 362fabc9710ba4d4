"""Test fixtures: real embedded PostgreSQL and Valkey, started once per session.

Each test that uses the database gets a clean slate by truncation of every table
except the migration-seeded ones; each test that uses Redis gets a flushed db.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("AGENTFLOW_ENV", "test")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Tables whose rows come from migrations and must survive between tests.
SEEDED_TABLES = {"alembic_version", "organizations"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def services_dir() -> Iterator[Path]:
    """The embedded servers' data, outside pytest's numbered temp folders: pytest prunes
    old ones when other sessions start, which would pull the database from under us."""
    path = Path(tempfile.mkdtemp(prefix="agentflow-test-services-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def embedded(services_dir: Path) -> Iterator[object]:
    from agentflow.devservices import EmbeddedServices

    services = EmbeddedServices(services_dir)
    services.start()
    yield services
    services.stop()


@pytest.fixture(scope="session")
def database_url(embedded: object) -> str:
    from agentflow.db.migrate import upgrade
    from agentflow.devservices import EmbeddedServices

    assert isinstance(embedded, EmbeddedServices)
    url = embedded.postgres.url()
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def redis_url(embedded: object) -> str:
    from agentflow.devservices import EmbeddedServices

    assert isinstance(embedded, EmbeddedServices)
    return embedded.valkey.url()


def truncate_all(database_url: str) -> None:
    from sqlalchemy import inspect, text
    from sqlalchemy.exc import OperationalError

    from agentflow.db.engine import get_engine

    engine = get_engine(database_url)
    tables = [t for t in inspect(engine).get_table_names() if t not in SEEDED_TABLES]
    if not tables:
        return
    # In e2e tests the app's workers may still be writing a run the test started;
    # TRUNCATE then deadlocks with them now and then: try again.
    for attempt in range(5):
        try:
            with engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
            return
        except OperationalError:
            if attempt == 4:
                raise
            time.sleep(0.2)


@pytest.fixture
def clean_db(database_url: str) -> Iterator[str]:
    """An empty database (but for migration seeds) before and after the test."""
    truncate_all(database_url)
    yield database_url
    truncate_all(database_url)


@pytest.fixture
def clean_redis(redis_url: str) -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield redis_url
    client.flushdb()
    client.close()


def service_env(database_url: str, redis_url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "AGENTFLOW_DATA_DIR": str(data_dir),
    }


@pytest.fixture
def worker_process(
    clean_redis: str, database_url: str, tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A real `agentflow worker` subprocess, stopped after the test."""
    process = subprocess.Popen(
        [sys.executable, "-m", "agentflow.cli", "worker"],
        env=service_env(database_url, clean_redis, tmp_path),
        cwd=PROJECT_ROOT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for(predicate, timeout_s: float = 30, interval_s: float = 0.1):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)
    raise AssertionError(f"condition not met within {timeout_s} s")
