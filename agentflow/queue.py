"""The arq job queue: connection settings and a msgpack serializer.

arq pickles job arguments by default; unpickling what another process put in
Redis is remote code execution waiting to happen, so every producer and the
worker use msgpack, which only carries plain data.
"""

from __future__ import annotations

from typing import Any

import msgpack
from arq.connections import ArqRedis, RedisSettings, create_pool

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
