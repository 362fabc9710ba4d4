"""arq worker settings: ``agentflow worker`` runs these."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from agentflow.queue import QUEUE_NAME, deserialize, serialize
from agentflow.queue import redis_settings as make_redis_settings
from agentflow.settings import get_settings
from jobs.heartbeat import heartbeat_loop, new_worker_id, stop_heartbeat


async def ping(ctx: dict[str, Any]) -> dict[str, Any]:
    """A no-op job: lets tests and `agentflow doctor` prove the pool executes work."""
    return {"pong": True, "worker": ctx["worker_id"]}


async def on_startup(ctx: dict[str, Any]) -> None:
    settings = get_settings()
    ctx["settings"] = settings
    ctx["worker_id"] = new_worker_id()
    ctx["heartbeat"] = asyncio.create_task(
        heartbeat_loop(ctx["redis"], ctx["worker_id"], settings.worker_heartbeat_ttl_s)
    )


async def on_shutdown(ctx: dict[str, Any]) -> None:
    if "heartbeat" in ctx:
        await stop_heartbeat(ctx["heartbeat"], ctx["redis"], ctx["worker_id"])


def build_worker_settings(redis_url: str) -> type:
    """WorkerSettings for the given Redis; a function so tests can point it anywhere."""

    class WorkerSettings:
        functions: ClassVar[list[Any]] = [ping]
        queue_name = QUEUE_NAME
        redis_settings = make_redis_settings(redis_url)
        job_serializer = staticmethod(serialize)
        job_deserializer = staticmethod(deserialize)
        max_jobs = get_settings().worker_max_jobs
        health_check_interval = 10

    WorkerSettings.on_startup = staticmethod(on_startup)  # type: ignore[attr-defined]
    WorkerSettings.on_shutdown = staticmethod(on_shutdown)  # type: ignore[attr-defined]
    return WorkerSettings
