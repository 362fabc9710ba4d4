"""No run is stranded: jobs that meet PostgreSQL or Valkey down are tried again, the
reaper resumes every run whose resume was lost, and the in-progress entries of dead
workers are released, so the pool's capacity after faults equals its capacity before.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import text

from agentflow.db.engine import get_engine
from agentflow.db.migrate import upgrade
from agentflow.db.models import LOCAL_ORG_ID
from agentflow.devservices import EmbeddedPostgres, EmbeddedValkey
from agentflow.queue import QUEUE_NAME, connect
from agentflow.services.runs.dispatch import EXECUTE_JOB, decide, start_run
from agentflow.services.runs.lifecycle import create_run, decide_approval
from tests.actors import OPERATOR
from tests.integration.conftest import LocalServer, workflow
from tests.integration.durable.conftest import (
    TERMINAL,
    wait_for,
    wait_for_status,
    wait_for_step,
)

GATE = workflow(
    [
        {"id": "review", "type": "approval", "config": {"message": "ok?"}},
        {"id": "after", "type": "template", "config": {"template": "done"}},
    ],
    [("start", "review"), ("review", "after", "approved")],
)
QUICK = workflow(
    [{"id": "hi", "type": "template", "config": {"template": "hi"}}], [("start", "hi")]
)
# arq marks a job in progress for the job timeout (24 h here) plus 10 s.
ARQ_IN_PROGRESS_MS = (24 * 3600 + 10) * 1000


def slow(server: LocalServer, seconds: float) -> dict[str, Any]:
    return workflow(
        [{"id": "slow", "type": "http", "config": {"url": f"{server.base}/slow/{seconds}"}}],
        [("start", "slow")],
    )


def queue_job_id(database_url: str, run_id: uuid.UUID) -> str:
    with get_engine(database_url).connect() as connection:
        job_id = connection.execute(
            text("SELECT queue_job_id FROM runs WHERE id = :id"), {"id": run_id}
        ).scalar_one()
    assert job_id
    return str(job_id)


def queue_entry_left(client: redis.Redis, job_id: str) -> bool:
    return bool(
        client.exists(f"arq:in-progress:{job_id}", f"arq:job:{job_id}")
        or client.zscore(QUEUE_NAME, job_id) is not None
    )


async def test_a_resume_job_that_meets_a_database_outage_is_retried_until_the_run_finishes(
    pool_factory, clean_redis: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    postgres = EmbeddedPostgres(tmp_path / "postgres")
    database_url = postgres.start()
    queue = await connect(clean_redis)
    try:
        upgrade(database_url)
        pool = pool_factory(database_url, clean_redis)
        first = pool.start()
        run_id = await start_run(database_url, queue, GATE, {}, actor=OPERATOR)
        await wait_for_status(database_url, run_id, {"waiting"})
        # No worker may pick the resume job up before PostgreSQL goes down. Stopped, not
        # frozen: a frozen worker could hold the run's row lock that the decision waits for.
        await asyncio.to_thread(pool.stop, first)
        await decide(database_url, queue, run_id, "review", approved=True, by="qa", actor=OPERATOR)
        postgres.stop()
        worker = pool.start()
        log = tmp_path / "worker-1.log"

        def met_the_outage() -> bool:
            text = log.read_text()
            return "OperationalError" in text and "retrying" in text

        await asyncio.to_thread(wait_for, met_the_outage, 60)
        postgres.start()
        view = await wait_for_status(database_url, run_id, TERMINAL, timeout_s=60)
        assert view["status"] == "succeeded"
        assert worker.poll() is None
    finally:
        await queue.aclose()
        postgres.stop()


async def test_a_valkey_restart_during_a_wake_up_still_ends_with_the_run_finished(
    pool_factory, clean_db: str, local_server: LocalServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    valkey = EmbeddedValkey(tmp_path / "valkey")
    redis_url = valkey.start()
    try:
        pool_factory(clean_db, redis_url).start(allow=f"127.0.0.1:{local_server.port}")
        naps = workflow(
            [
                {"id": "nap", "type": "delay", "config": {"seconds": 1.5}},
                {"id": "slow", "type": "http", "config": {"url": f"{local_server.base}/slow/2"}},
                {"id": "nap2", "type": "delay", "config": {"seconds": 1.5}},
                {"id": "done", "type": "template", "config": {"template": "done"}},
            ],
            [("start", "nap"), ("nap", "slow"), ("slow", "nap2"), ("nap2", "done")],
        )
        queue = await connect(redis_url)
        run_id = await start_run(clean_db, queue, naps, {}, actor=OPERATOR)
        await queue.aclose()
        # Resumed by its wake-up job, the run is in the slow step when Valkey stops; it
        # then pauses again while Valkey is down, so that job can neither enqueue the
        # next wake-up nor tell arq it has finished.
        await wait_for_step(clean_db, run_id, "slow", "running", timeout_s=30)
        await asyncio.to_thread(wait_for, lambda: local_server.hits["/slow/2"] == 1)
        valkey.stop()
        await wait_for_step(clean_db, run_id, "nap2", "waiting", timeout_s=30)
        await asyncio.sleep(3)  # the second wake-up time passes while Valkey is down
        valkey.start()
        view = await wait_for_status(clean_db, run_id, TERMINAL, timeout_s=60)
        assert view["status"] == "succeeded"
        assert local_server.hits["/slow/2"] == 1
    finally:
        valkey.stop()


async def test_the_reaper_resumes_a_decided_approval_whose_resume_job_was_lost(
    workers, queue, clean_db: str
) -> None:  # type: ignore[no-untyped-def]
    workers.start()
    run_id = await start_run(clean_db, queue, GATE, {}, actor=OPERATOR)
    await wait_for_status(clean_db, run_id, {"waiting"})
    # The decision is recorded, but the enqueue that follows it fails (Valkey down):
    # all that is left in the queue is the approval's timeout, a day from now.
    await asyncio.to_thread(
        decide_approval, clean_db, run_id, "review", approved=True, by="qa", org_id=LOCAL_ORG_ID
    )
    view = await wait_for_status(clean_db, run_id, TERMINAL, timeout_s=30)
    assert view["status"] == "succeeded"
    assert next(s for s in view["steps"] if s["node"] == "review")["output"]["by"] == "qa"


async def test_the_reaper_resumes_a_decided_approval_whose_queue_entry_was_deleted(
    workers, queue, clean_db: str, clean_redis: str
) -> None:  # type: ignore[no-untyped-def]
    worker = workers.start()
    run_id = await start_run(clean_db, queue, GATE, {}, actor=OPERATOR)
    await wait_for_status(clean_db, run_id, {"waiting"})
    # No worker may pick the resume job up before Valkey loses it. Stopped, not frozen:
    # a frozen worker could hold the run's row lock that the decision waits for.
    await asyncio.to_thread(workers.stop, worker)
    await decide(clean_db, queue, run_id, "review", approved=True, by="qa", actor=OPERATOR)
    redis.Redis.from_url(clean_redis).flushdb()  # Valkey restored from an old snapshot
    workers.start()
    view = await wait_for_status(clean_db, run_id, TERMINAL, timeout_s=30)
    assert view["status"] == "succeeded"


async def test_a_killed_worker_s_in_progress_entries_are_released_when_its_runs_are_taken_over(
    workers, queue, clean_db: str, clean_redis: str, local_server: LocalServer
) -> None:  # type: ignore[no-untyped-def]
    allow = f"127.0.0.1:{local_server.port}"
    victim = workers.start(max_jobs=3, allow=allow)
    runs = [
        await start_run(clean_db, queue, slow(local_server, 2), {}, actor=OPERATOR)
        for _ in range(3)
    ]
    for run_id in runs:
        await wait_for_step(clean_db, run_id, "slow", "running")
    await asyncio.to_thread(wait_for, lambda: local_server.hits["/slow/2"] == 3)
    jobs = [queue_job_id(clean_db, run_id) for run_id in runs]
    client = redis.Redis.from_url(clean_redis)
    assert all(client.exists(f"arq:in-progress:{job}") for job in jobs)
    workers.kill_hard(victim)  # kill -9: its jobs stay marked in progress
    workers.start(max_jobs=3, allow=allow)
    for run_id in runs:
        assert (await wait_for_status(clean_db, run_id, TERMINAL))["status"] == "succeeded"
    # The dead worker's entries are gone: no in-progress mark, queue entry or job left.
    await asyncio.to_thread(
        wait_for, lambda: not any(queue_entry_left(client, job) for job in jobs), 10
    )
    client.close()


def leased_and_finished(database_url: str, run_ids: list[uuid.UUID]) -> tuple[int, int]:
    with get_engine(database_url).connect() as connection:
        row = connection.execute(
            text(
                "SELECT count(*) FILTER (WHERE lease_expires_at > now()), "
                "count(*) FILTER (WHERE status = ANY(:done)) FROM runs WHERE id = ANY(:ids)"
            ),
            {"ids": run_ids, "done": list(TERMINAL)},
        ).one()
    return int(row[0]), int(row[1])


async def max_concurrency(database_url: str, run_ids: list[uuid.UUID], timeout_s: float) -> int:
    """How many of ``run_ids`` were executing at once, at most, until all finished."""
    most = 0
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        leased, finished = await asyncio.to_thread(leased_and_finished, database_url, run_ids)
        most = max(most, leased)
        if finished == len(run_ids):
            break
        await asyncio.sleep(0.05)
    return most


async def orphan(database_url: str, queue: Any, run_id: uuid.UUID) -> None:
    """A job picked up a minute ago by a worker that then died, as arq records it."""
    job_id = f"run:{run_id}:{uuid.uuid4().hex[:12]}"
    # Marked in progress first, so that no live worker picks it up in between.
    await queue.psetex(f"arq:in-progress:{job_id}", ARQ_IN_PROGRESS_MS - 60_000, b"1")
    picked_up = datetime.now(UTC) - timedelta(minutes=1)
    await queue.enqueue_job(
        EXECUTE_JOB, str(run_id), _job_id=job_id, _defer_until=picked_up, _expires=86_400
    )
    with get_engine(database_url).begin() as connection:
        connection.execute(
            text("UPDATE runs SET queue_job_id = :job, enqueued_at = now() WHERE id = :id"),
            {"job": job_id, "id": run_id},
        )


async def test_a_pool_runs_at_full_capacity_after_a_hundred_orphaned_entries(
    workers, queue, clean_db: str, clean_redis: str, local_server: LocalServer
) -> None:  # type: ignore[no-untyped-def]
    allow = f"127.0.0.1:{local_server.port}"
    for _ in range(2):
        workers.start(max_jobs=4, allow=allow)
    capacity = 8
    # Each run lasts longer than a loaded machine takes to start eight: the count is of
    # runs executing at once, so the first must still be running when the last starts.
    seconds = 6
    before = [
        await start_run(clean_db, queue, slow(local_server, seconds), {}, actor=OPERATOR)
        for _ in range(capacity)
    ]
    assert await max_concurrency(clean_db, before, timeout_s=40) == capacity

    # 100 runs whose jobs killed workers had picked up: as many entries as a worker reads
    # per poll (max(5 x max_jobs, 100)), all at the head of the queue and "in progress".
    client = redis.Redis.from_url(clean_redis)
    orphans = [
        await asyncio.to_thread(
            create_run, clean_db, QUICK, {}, trigger="manual", org_id=LOCAL_ORG_ID
        )
        for _ in range(100)
    ]
    for run_id in orphans:
        await orphan(clean_db, queue, run_id)
    after = [
        await start_run(clean_db, queue, slow(local_server, seconds), {}, actor=OPERATOR)
        for _ in range(capacity)
    ]
    assert await max_concurrency(clean_db, after, timeout_s=40) == capacity
    for run_id in orphans + after:
        assert (await wait_for_status(clean_db, run_id, TERMINAL))["status"] == "succeeded"
    # No entry is left "in progress" (arq drops a job's mark just after the run ends).
    # Only run jobs: a cron job (analytics, schedules) may be in progress right now.
    wait_for(lambda: not client.keys("arq:in-progress:run:*"), timeout_s=30)
    client.close()
