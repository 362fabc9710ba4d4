"""Worker loops for schedules and outgoing events, and the job that sends one delivery.

Every worker runs both loops; the database decides who does what (row locks with
SKIP LOCKED, the tick key), so adding workers never duplicates a run or a send.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from agentflow.services.delivery.outgoing_delivery import claim_due, deliver
from agentflow.services.runs.dispatch import enqueue
from agentflow.services.triggers import scheduler

log = logging.getLogger("agentflow.automation")
DELIVER_JOB = "deliver_event_job"


async def schedule_once(queue: Any, database_url: str, settings: Any, worker: str) -> list[Any]:
    """Fire every due tick, then enqueue the runs it created; returns their ids."""
    fired = await asyncio.to_thread(
        scheduler.claim_due,
        database_url,
        worker=worker,
        missed_ticks=settings.schedule_missed_ticks,
        grace_s=settings.schedule_misfire_grace_s,
    )
    for run_id in fired.run_ids:
        await enqueue(queue, database_url, run_id)
    if fired.run_ids:
        log.info("started %d scheduled run(s)", len(fired.run_ids))
    return fired.run_ids


async def scheduler_loop(queue: Any, database_url: str, settings: Any, worker: str) -> None:
    while True:
        try:
            await schedule_once(queue, database_url, settings, worker)
        except Exception as exc:  # database or Redis restarting: the next round retries
            log.warning("scheduler round failed: %s", exc)
        await asyncio.sleep(settings.schedule_poll_s)


async def outbox_once(queue: Any, database_url: str, settings: Any) -> int:
    """Claim due deliveries and enqueue a job for each; returns how many."""
    claimed = await asyncio.to_thread(claim_due, database_url, settings=settings)
    for delivery_id, attempt in claimed:
        await queue.enqueue_job(
            DELIVER_JOB, str(delivery_id), attempt, _job_id=f"delivery:{delivery_id}:{attempt}"
        )
    return len(claimed)


async def outbox_loop(queue: Any, database_url: str, settings: Any) -> None:
    while True:
        try:
            await outbox_once(queue, database_url, settings)
        except Exception as exc:  # a claim whose job was not enqueued expires and is retried
            log.warning("outbox round failed: %s", exc)
        await asyncio.sleep(settings.event_delivery_poll_s)


async def deliver_event_job(ctx: dict[str, Any], delivery_id: str, attempt: int) -> str:
    return await deliver(ctx["database_url"], uuid.UUID(delivery_id), attempt, ctx["settings"])
