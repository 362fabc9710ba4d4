"""Durable-run fixtures: real `agentflow worker` subprocesses against real servers.

Lease and reaper timings are shortened so takeovers happen within seconds.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agentflow.db.models import LOCAL_ORG_ID
from agentflow.services.runs.lifecycle import describe_run
from tests.conftest import PROJECT_ROOT, wait_for

FAST_TIMINGS = {
    "AGENTFLOW_RUN_LEASE_TTL_S": "3",
    "AGENTFLOW_RUN_LEASE_RENEW_S": "0.5",
    "AGENTFLOW_REAPER_INTERVAL_S": "0.5",
    "AGENTFLOW_REAPER_GRACE_S": "2",
    "AGENTFLOW_INLINE_WAIT_MAX_S": "1",
}
TERMINAL = {"succeeded", "failed", "cancelled", "timed_out"}


class WorkerPool:
    """Starts and stops worker processes; stops them all at the end of the test."""

    def __init__(self, database_url: str, redis_url: str, data_dir: Path) -> None:
        self.database_url = database_url
        self.redis_url = redis_url
        self.data_dir = data_dir
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, *, max_jobs: int = 20, allow: str = "") -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            **FAST_TIMINGS,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "AGENTFLOW_DATA_DIR": str(self.data_dir),
            "AGENTFLOW_WORKER_MAX_JOBS": str(max_jobs),
            "AGENTFLOW_OUTBOUND_ALLOW_HOSTS": allow,
        }
        log = (self.data_dir / f"worker-{len(self.processes)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "agentflow.cli", "worker"],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def kill_hard(self, process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        """Shut one worker down the way a deploy does (SIGTERM) and wait until it exits."""
        process.terminate()
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def pool_factory(tmp_path: Path) -> Iterator[Callable[[str, str], WorkerPool]]:
    pools: list[WorkerPool] = []

    def make(database_url: str, redis_url: str) -> WorkerPool:
        pool = WorkerPool(database_url, redis_url, tmp_path)
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.stop_all()


@pytest.fixture
def workers(pool_factory, clean_db: str, clean_redis: str) -> WorkerPool:  # type: ignore[no-untyped-def]
    return pool_factory(clean_db, clean_redis)


async def wait_for_status(
    database_url: str, run_id: uuid.UUID, statuses: set[str], timeout_s: float = 60
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        view = await asyncio.to_thread(describe_run, database_url, run_id, org_id=LOCAL_ORG_ID)
        if view["status"] in statuses:
            return view
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"run stayed {view['status']}, wanted {statuses}: {view}")
        await asyncio.sleep(0.1)


async def wait_for_step(
    database_url: str, run_id: uuid.UUID, node: str, status: str, timeout_s: float = 60
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        view = await asyncio.to_thread(describe_run, database_url, run_id, org_id=LOCAL_ORG_ID)
        for step in view["steps"]:
            if step["node"] == node and step["status"] == status:
                return view
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"step {node} never reached {status}: {view}")
        await asyncio.sleep(0.05)


__all__ = ["TERMINAL", "WorkerPool", "wait_for", "wait_for_status", "wait_for_step"]
