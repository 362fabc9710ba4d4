"""Workers outlive Valkey: an outage at any moment, start-up included, never ends a
worker; once Valkey is back it executes jobs again.

Each test runs its own Valkey, which it stops and starts, so the session's one stays up.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import redis

from agentflow.devservices import EmbeddedValkey
from agentflow.queue import QUEUE_NAME, connect, redis_settings

# Jobs at the head of the queue that other workers are executing, recorded as arq
# records them: a queue entry plus an in-progress mark. Every poll then walks them
# through arq's WATCH/MULTI pick-up, which is where an outage hurts most.
ELSEWHERE = 90


def mark_jobs_running_elsewhere(redis_url: str, count: int) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        past_ms = int(time.time() * 1000) - 60_000
        for n in range(count):
            job_id = f"elsewhere:{n}"
            client.psetex(f"arq:in-progress:{job_id}", 3_600_000, b"1")
            client.zadd(QUEUE_NAME, {job_id: past_ms + n})
    finally:
        client.close()


async def ping(redis_url: str, timeout_s: float = 30) -> dict[str, Any]:
    pool = await connect(redis_url)
    try:
        job = await pool.enqueue_job("ping")
        assert job is not None
        result: dict[str, Any] = await job.result(timeout=timeout_s)
        return result
    finally:
        await pool.aclose()


async def test_a_worker_outlives_valkey_restarts_and_then_executes_jobs(
    pool_factory, clean_db: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    valkey = EmbeddedValkey(tmp_path / "valkey")
    redis_url = valkey.start()
    try:
        mark_jobs_running_elsewhere(redis_url, ELSEWHERE)
        # One job slot: a slot lost to an interrupted pick-up would stop all work.
        worker = pool_factory(clean_db, redis_url).start(max_jobs=1)
        assert (await ping(redis_url))["pong"] is True
        for _ in range(3):
            valkey.stop()  # Valkey goes away while the worker polls...
            await asyncio.sleep(1.5)
            assert worker.poll() is None, "the worker must wait while Valkey is down"
            valkey.start()  # ...and comes back
            await asyncio.sleep(0.5)
        assert worker.poll() is None, "the worker must outlive Valkey restarts"
        assert (await ping(redis_url))["pong"] is True
        assert worker.poll() is None
    finally:
        valkey.stop()


async def test_a_worker_started_while_valkey_is_down_waits_for_it_and_then_works(
    pool_factory, clean_db: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    valkey = EmbeddedValkey(tmp_path / "valkey")
    redis_url = valkey.start()
    valkey.stop()
    try:
        worker = pool_factory(clean_db, redis_url).start()
        # Longer than arq's own connection retries (conn_retries x conn_retry_delay),
        # after which arq alone gives up and the process exits.
        arq_patience = redis_settings(redis_url)
        await asyncio.sleep(arq_patience.conn_retries * arq_patience.conn_retry_delay + 5)
        assert worker.poll() is None, "the worker must wait for Valkey at start-up"
        valkey.start()
        assert (await ping(redis_url))["pong"] is True
        assert worker.poll() is None
    finally:
        valkey.stop()
