"""The worker: arq with a msgpack serializer, supervised against Redis outages.

``agentflow worker`` runs :func:`run`. Any number of workers, on any hosts,
share one Redis and one PostgreSQL; each also sends a heartbeat and runs a
reaper loop (see jobs/reaper.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any, ClassVar

from arq.cron import cron
from arq.worker import func

from agentflow.llm.completion import litellm_module
from agentflow.queue import QUEUE_NAME, deserialize, serialize
from agentflow.queue import redis_settings as make_redis_settings
from agentflow.settings import get_settings
from jobs.analytics import analytics_tick
from jobs.automation import deliver_event_job, outbox_loop, scheduler_loop
from jobs.heartbeat import heartbeat_loop, new_worker_id, stop_heartbeat
from jobs.queue_entries import JOB_TIMEOUT_S
from jobs.reaper import reaper_loop
from jobs.runs import RUN_JOB_MAX_TRIES, execute_run_job
from jobs.supervised import SupervisedWorker

log = logging.getLogger("agentflow.worker")


async def ping(ctx: dict[str, Any]) -> dict[str, Any]:
    """A no-op job: lets tests and `agentflow doctor` prove the pool executes work."""
    return {"pong": True, "worker": ctx["worker_id"]}


async def on_startup(ctx: dict[str, Any]) -> None:
    settings = get_settings()
    ctx["settings"] = settings
    ctx["database_url"] = settings.database_url or os.environ["DATABASE_URL"]
    ctx["worker_id"] = new_worker_id()
    ctx["heartbeat"] = asyncio.create_task(
        heartbeat_loop(ctx["redis"], ctx["worker_id"], settings.worker_heartbeat_ttl_s)
    )
    # litellm takes over a second to import: pay it at start-up, in the background,
    # rather than in the first LLM step a user runs.
    ctx["warm_llm"] = asyncio.create_task(litellm_module())
    ctx["reaper"] = asyncio.create_task(
        reaper_loop(
            ctx["redis"], ctx["database_url"], settings.reaper_interval_s, settings.reaper_grace_s
        )
    )
    ctx["scheduler"] = asyncio.create_task(
        scheduler_loop(ctx["redis"], ctx["database_url"], settings, ctx["worker_id"])
    )
    ctx["outbox"] = asyncio.create_task(outbox_loop(ctx["redis"], ctx["database_url"], settings))


async def on_shutdown(ctx: dict[str, Any]) -> None:
    for loop in ("reaper", "scheduler", "outbox"):
        if loop in ctx:
            ctx[loop].cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ctx[loop]
    if "heartbeat" in ctx:
        await stop_heartbeat(ctx["heartbeat"], ctx["redis"], ctx["worker_id"])


def build_worker_settings(redis_url: str) -> type:
    """WorkerSettings for the given Redis; a function so tests can point it anywhere."""
    settings = get_settings()

    class WorkerSettings:
        # Rollups, alert rules and budgets, once a minute on one worker of the pool.
        cron_jobs: ClassVar[list[Any]] = [cron(analytics_tick, second=0, timeout=300)]
        functions: ClassVar[list[Any]] = [
            ping,
            # Tried again (with backoff) when it meets PostgreSQL or Redis down.
            func(execute_run_job, max_tries=RUN_JOB_MAX_TRIES),
            deliver_event_job,
        ]
        queue_name = QUEUE_NAME
        redis_settings = make_redis_settings(redis_url)
        job_serializer = staticmethod(serialize)
        job_deserializer = staticmethod(deserialize)
        max_jobs = settings.worker_max_jobs
        poll_delay = settings.worker_poll_delay_s
        # Other jobs are not retried by arq; runs are handed back by the reaper too.
        max_tries = 1
        job_timeout = JOB_TIMEOUT_S
        keep_result = 60
        health_check_interval = 10

    WorkerSettings.on_startup = staticmethod(on_startup)  # type: ignore[attr-defined]
    WorkerSettings.on_shutdown = staticmethod(on_shutdown)  # type: ignore[attr-defined]
    return WorkerSettings


def run(redis_url: str) -> None:
    from arq.worker import get_kwargs

    # arq types get_kwargs loosely; the values are the WorkerSettings attributes above.
    kwargs: dict[str, Any] = dict(get_kwargs(build_worker_settings(redis_url)))
    SupervisedWorker(**kwargs).run()
