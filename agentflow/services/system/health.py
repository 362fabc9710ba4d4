"""The health of the platform: database, Redis and the worker pool."""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import redis.asyncio as aioredis
from sqlalchemy import text

from agentflow.db.engine import get_engine
from agentflow.queue import WORKER_HEARTBEATS_KEY

CHECK_TIMEOUT_S = 3.0


@dataclass
class ComponentHealth:
    ok: bool
    detail: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Health:
    database: ComponentHealth
    redis: ComponentHealth
    workers: ComponentHealth

    @property
    def ok(self) -> bool:
        return self.database.ok and self.redis.ok and self.workers.ok

    def as_dict(self) -> dict[str, Any]:
        parts = {name: asdict(part) for name, part in vars(self).items()}
        return {"status": "ok" if self.ok else "degraded", **parts}


def _check_database_sync(database_url: str) -> ComponentHealth:
    try:
        with get_engine(database_url).connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database means "down"
        return ComponentHealth(ok=False, detail=f"unreachable: {type(exc).__name__}")
    return ComponentHealth(ok=True, detail="reachable")


async def check_database(database_url: str | None) -> ComponentHealth:
    if not database_url:
        return ComponentHealth(ok=False, detail="DATABASE_URL is not configured")
    try:
        return await asyncio.wait_for(
            asyncio.to_thread(_check_database_sync, database_url), CHECK_TIMEOUT_S
        )
    except TimeoutError:
        return ComponentHealth(ok=False, detail="timed out")


async def check_redis_and_workers(
    redis_url: str | None, heartbeat_ttl_s: int
) -> tuple[ComponentHealth, ComponentHealth]:
    unknown = ComponentHealth(ok=False, detail="unknown: Redis is unreachable")
    if not redis_url:
        return ComponentHealth(ok=False, detail="REDIS_URL is not configured"), unknown
    client = aioredis.Redis.from_url(
        redis_url, socket_connect_timeout=CHECK_TIMEOUT_S, socket_timeout=CHECK_TIMEOUT_S
    )
    try:
        await client.ping()
        alive_since = time.time() - heartbeat_ttl_s
        workers = await client.zcount(WORKER_HEARTBEATS_KEY, alive_since, "+inf")
    except (aioredis.RedisError, OSError) as exc:
        return ComponentHealth(ok=False, detail=f"unreachable: {type(exc).__name__}"), unknown
    finally:
        await client.aclose()
    redis_health = ComponentHealth(ok=True, detail="reachable")
    if workers == 0:
        detail = f"no worker has sent a heartbeat in the last {heartbeat_ttl_s} s"
        return redis_health, ComponentHealth(ok=False, detail=detail, extra={"alive": 0})
    return redis_health, ComponentHealth(
        ok=True, detail=f"{workers} alive", extra={"alive": workers}
    )


async def check_health(
    *, database_url: str | None, redis_url: str | None, heartbeat_ttl_s: int
) -> Health:
    database, (redis_health, workers) = await asyncio.gather(
        check_database(database_url), check_redis_and_workers(redis_url, heartbeat_ttl_s)
    )
    return Health(database=database, redis=redis_health, workers=workers)
