"""The takeover bound holds under load: a run taken over from a dead worker goes
ahead of every queued new run instead of waiting behind them."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime

import redis
from sqlalchemy import text

from agentflow.db.engine import get_engine
from agentflow.db.leases import acquire
from agentflow.queue import QUEUE_NAME
from agentflow.services.runs.dispatch import start_run
from jobs.reaper import reap_once
from tests.actors import OPERATOR
from tests.integration.conftest import workflow
from tests.integration.durable.conftest import TERMINAL, WorkerPool, wait_for_status

QUICK = workflow(
    [{"id": "hi", "type": "template", "config": {"template": "hi"}}], [("start", "hi")]
)
ARQ_IN_PROGRESS_MS = (24 * 3600 + 10) * 1000  # arq's in-progress mark: job timeout + 10 s
NEW_RUNS = 120


def queue_job_id(database_url: str, run_id: uuid.UUID) -> str:
    with get_engine(database_url).connect() as connection:
        return str(
            connection.execute(
                text("SELECT queue_job_id FROM runs WHERE id = :id"), {"id": run_id}
            ).scalar_one()
        )


def finished_at(database_url: str, run_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    with get_engine(database_url).connect() as connection:
        rows = connection.execute(
            text("SELECT id, finished_at FROM runs WHERE id = ANY(:ids)"), {"ids": run_ids}
        )
        return {row[0]: row[1] for row in rows}


async def test_a_taken_over_run_goes_ahead_of_queued_new_runs(
    workers: WorkerPool, queue, clean_db: str, clean_redis: str
) -> None:  # type: ignore[no-untyped-def]
    taken_over = await start_run(clean_db, queue, QUICK, {}, actor=OPERATOR)
    # A worker picked it up, took its lease and died: arq still marks the job in
    # progress, and the lease has lapsed.
    client = redis.Redis.from_url(clean_redis)
    dead_job = queue_job_id(clean_db, taken_over)
    client.psetex(f"arq:in-progress:{dead_job}", ARQ_IN_PROGRESS_MS - 15_000, b"1")
    assert acquire(clean_db, taken_over, "lost-host:1:dead", ttl_s=30) is not None
    with get_engine(clean_db).begin() as connection:
        connection.execute(
            text(
                "UPDATE runs SET status = 'running', started_at = now(), "
                "lease_expires_at = now() - interval '1 second' WHERE id = :id"
            ),
            {"id": taken_over},
        )
    new_runs = [
        await start_run(clean_db, queue, QUICK, {}, actor=OPERATOR) for _ in range(NEW_RUNS)
    ]

    assert await reap_once(queue, clean_db, 2) == [taken_over]
    resumed_job = queue_job_id(clean_db, taken_over)
    due = client.zrangebyscore(QUEUE_NAME, "-inf", int(time.time() * 1000))
    assert due[0].decode() == resumed_job  # first in line, ahead of all the new runs
    assert len(due) == NEW_RUNS + 1  # and the dead worker's entry is gone

    workers.start(max_jobs=1)  # one job slot: runs execute in queue order
    for run_id in [taken_over, *new_runs]:
        assert (await wait_for_status(clean_db, run_id, TERMINAL))["status"] == "succeeded"
    finished = finished_at(clean_db, [taken_over, *new_runs])
    assert finished[taken_over] < min(finished[run_id] for run_id in new_runs)
    client.close()
    await asyncio.sleep(0)
