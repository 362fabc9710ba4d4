"""Worker liveness: each worker records a heartbeat in a Redis sorted set.

The health endpoint counts the members seen within the heartbeat TTL, so a
killed worker disappears from the count without anyone having to clean up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from typing import Any

from agentflow.queue import WORKER_HEARTBEATS_KEY

HEARTBEAT_INTERVAL_S = 5.0
log = logging.getLogger("agentflow.worker")


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def beat(redis: Any, worker_id: str, ttl_s: int) -> None:
    now = time.time()
    await redis.zadd(WORKER_HEARTBEATS_KEY, {worker_id: now})
    # Trim members long dead so the set cannot grow without bound.
    await redis.zremrangebyscore(WORKER_HEARTBEATS_KEY, "-inf", now - 10 * ttl_s)


async def heartbeat_loop(redis: Any, worker_id: str, ttl_s: int) -> None:
    while True:
        try:
            await beat(redis, worker_id, ttl_s)
        except Exception as exc:  # Redis restarting: keep living, beat again later
            log.warning("heartbeat failed: %s", exc)
        await asyncio.sleep(HEARTBEAT_INTERVAL_S)


async def stop_heartbeat(task: asyncio.Task[None], redis: Any, worker_id: str) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    with contextlib.suppress(Exception):
        await redis.zrem(WORKER_HEARTBEATS_KEY, worker_id)
