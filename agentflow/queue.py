"""The arq job queue: connection settings and a msgpack serializer.

arq pickles job arguments by default; unpickling what another process put in
Redis is remote code execution waiting to happen, so every producer and the
worker use msgpack, which only carries plain data.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import msgpack
from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.asyncio import ConnectionPool
from redis.exceptions import RedisError

from agentflow.errors import Unavailable

QUEUE_NAME = "agentflow:queue"
WORKER_HEARTBEATS_KEY = "agentflow:workers"


def serialize(value: dict[str, Any]) -> bytes:
    return msgpack.packb(value, datetime=True)


def deserialize(data: bytes) -> dict[str, Any]:
    return msgpack.unpackb(data, timestamp=3)


def redis_settings(redis_url: str) -> RedisSettings:
    settings = RedisSettings.from_dsn(redis_url)
    # Keep retrying while Redis restarts instead of giving up after five seconds.
    settings.conn_retries = 30
    settings.conn_retry_delay = 1
    return settings


async def connect(redis_url: str) -> ArqRedis:
    return await create_pool(
        redis_settings(redis_url),
        job_serializer=serialize,
        job_deserializer=deserialize,
        default_queue_name=QUEUE_NAME,
    )


class QueueUnavailable(Unavailable):
    """Redis does not answer, so no run can be queued now (the API answers 503)."""

    type = "queue_unavailable"

    def __init__(self, cause: BaseException | None = None) -> None:
        reason = f" ({type(cause).__name__})" if cause is not None else ""
        super().__init__(f"runs cannot be queued right now: Redis is unreachable{reason}")


# Fail fast: a web request must not stall while Redis is down (it answers 503 at once,
# and the stored work is picked up by the reaper once Redis is back).
SHARED_CONNECT_TIMEOUT_S = 1.0
SHARED_SOCKET_TIMEOUT_S = 3.0
_shared: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, ArqRedis]] = (
    weakref.WeakKeyDictionary()
)


def shared_queue(redis_url: str) -> ArqRedis:
    """The process's one queue client for ``redis_url`` (per event loop), made on first
    use and kept for the app's lifetime.

    Unlike :func:`connect` it does not wait for Redis: it connects lazily, reconnects
    by itself after an outage, and a command while Redis is down fails within about a
    second. Web processes use it; workers and the CLI keep their own pools.
    """
    loop = asyncio.get_running_loop()
    pools = _shared.setdefault(loop, {})
    queue = pools.get(redis_url)
    if queue is None:
        connections = ConnectionPool.from_url(
            redis_url,
            socket_connect_timeout=SHARED_CONNECT_TIMEOUT_S,
            socket_timeout=SHARED_SOCKET_TIMEOUT_S,
            health_check_interval=30,
        )
        queue = ArqRedis(
            connections,
            job_serializer=serialize,
            job_deserializer=deserialize,
            default_queue_name=QUEUE_NAME,
        )
        pools[redis_url] = queue
    return queue


async def require_queue(redis_url: str) -> ArqRedis:
    """The shared queue, once it answers a ping; QueueUnavailable when it does not."""
    queue = shared_queue(redis_url)
    try:
        await queue.ping()
    except (RedisError, OSError) as exc:
        raise QueueUnavailable(exc) from exc
    return queue


async def close_shared_queues() -> None:
    """Close this event loop's shared clients (the web app's shutdown)."""
    loop = asyncio.get_running_loop()
    for queue in _shared.pop(loop, {}).values():
        await queue.aclose(close_connection_pool=True)
