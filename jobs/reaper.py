"""The reaper: hands runs back to the pool when nobody is executing them.

It finds (1) runs whose worker died: their lease expired; (2) queued or
released runs whose queue entry is gone (Redis flushed or restored from an old
snapshot); (3) waiting runs whose wake-up time has come. Every worker runs a
reaper loop; a PostgreSQL advisory lock lets one of them work at a time.
Duplicated enqueues are harmless: the lease decides who executes.

Takeover bound: a dead worker's run is re-enqueued at most ``run_lease_ttl_s +
reaper_interval_s`` after its last lease renewal (12 s with the defaults).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from sqlalchemy import text

from agentflow.db.engine import session_scope
from agentflow.services.dispatch import enqueue

log = logging.getLogger("agentflow.reaper")
REAPER_LOCK_ID = 7_415_001  # any constant: the id of the reaper's advisory lock
JOB_KEY_PREFIX = "arq:job:"

DUE_RUNS = text(
    """
    SELECT id, queue_job_id,
           (lease_expires_at IS NOT NULL AND lease_expires_at < now()) AS lease_expired
    FROM runs
    WHERE (status IN ('queued', 'running') AND lease_expires_at < now())
       OR (status IN ('queued', 'running') AND lease_owner IS NULL
           AND coalesce(enqueued_at, created_at) < now() - make_interval(secs => :grace))
       OR (status = 'waiting' AND lease_owner IS NULL AND wake_at <= now())
    ORDER BY created_at
    LIMIT :limit
    """
)


def due_runs(database_url: str, grace_s: float, limit: int = 500) -> list[tuple[Any, ...]]:
    with session_scope(database_url) as session:
        locked = session.execute(
            text("SELECT pg_try_advisory_xact_lock(:lock)"), {"lock": REAPER_LOCK_ID}
        ).scalar_one()
        if not locked:
            return []  # another worker's reaper is at work
        return [tuple(row) for row in session.execute(DUE_RUNS, {"grace": grace_s, "limit": limit})]


async def reap_once(queue: Any, database_url: str, grace_s: float) -> list[uuid.UUID]:
    """Re-enqueue what needs it; returns the run ids handed back."""
    handed_back = []
    for run_id, job_id, lease_expired in await asyncio.to_thread(due_runs, database_url, grace_s):
        # A job still in the queue will run: do not add another. A dead worker's job
        # keeps its key while arq thinks it is in progress, so expiry alone decides there.
        if not lease_expired and job_id and await queue.exists(JOB_KEY_PREFIX + job_id):
            continue
        await enqueue(queue, database_url, run_id)
        handed_back.append(run_id)
    if handed_back:
        log.info("re-enqueued %d run(s): %s", len(handed_back), handed_back)
    return handed_back


async def reaper_loop(queue: Any, database_url: str, interval_s: float, grace_s: float) -> None:
    while True:
        try:
            await reap_once(queue, database_url, grace_s)
        except Exception as exc:  # Redis or PostgreSQL restarting: try again next round
            log.warning("reaper round failed: %s", exc)
        await asyncio.sleep(interval_s)
