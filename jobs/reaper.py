"""The reaper: hands runs back to the pool when nobody is executing them.

It finds (1) runs whose worker died: their lease expired; (2) queued or
released runs whose queue entry is gone (Redis flushed or restored from an old
snapshot) or orphaned; (3) waiting runs whose wake-up time has come, (4) whose
approval was decided, or (5) whose cancellation was asked for, and that have
no queue entry a worker will pick up. An entry is orphaned when a worker marked
it in progress longer than the grace period ago and no live lease shows that
anyone executes the run: a live worker takes the lease within milliseconds of
picking a job up. Orphans are released (entry, job and in-progress mark), so they
neither strand their run nor take up the entries workers read per poll.

Runs handed back go ahead of new work in the queue (dispatch.enqueue's
``priority``). Every worker runs a reaper loop; a PostgreSQL advisory lock lets
one of them work at a time. Duplicated enqueues are harmless: the lease decides
who executes.

Takeover bound: a dead worker's run is re-enqueued at most ``run_lease_ttl_s +
reaper_interval_s`` after its last lease renewal (12 s with the defaults), first
in line: a worker starts it as soon as one has a free job slot.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from sqlalchemy import text

from agentflow.db.engine import session_scope
from agentflow.services.runs.dispatch import enqueue
from jobs.queue_entries import (
    due_run_jobs,
    marked_in_progress,
    now_ms,
    read_entries,
    release,
    run_id_of,
)

log = logging.getLogger("agentflow.reaper")
REAPER_LOCK_ID = 7_415_001  # any constant: the id of the reaper's advisory lock
# How many due entries the reaper inspects for orphans each round: more than the
# workers read per poll (arq's queue_read_limit), so it sees every entry they see.
ORPHAN_WINDOW = 1000
# An entry queued to start within this long still counts as pending (a job arq
# retries after a short backoff); a later one, such as an approval's timeout, not.
PENDING_HORIZON_S = 60.0

DUE_RUNS = text(
    """
    SELECT r.id, r.queue_job_id,
           (r.lease_expires_at IS NOT NULL AND r.lease_expires_at < now()) AS lease_expired
    FROM runs r
    WHERE (r.status IN ('queued', 'running') AND r.lease_expires_at < now())
       OR (r.status IN ('queued', 'running') AND r.lease_owner IS NULL
           AND coalesce(r.enqueued_at, r.created_at) < now() - make_interval(secs => :grace))
       OR (r.status = 'waiting' AND (r.lease_owner IS NULL OR r.lease_expires_at < now())
           AND (r.wake_at <= now() OR r.cancel_requested OR EXISTS (
                SELECT 1 FROM approval_decisions d
                JOIN steps s ON s.run_id = d.run_id AND s.node_id = d.node_id
                WHERE d.run_id = r.id AND s.status = 'waiting'
                  AND d.decided_at < now() - make_interval(secs => :grace))))
    -- Takeovers first, then waiting runs, then the check of queued ones (under load
    -- many of those are simply still in the queue): the limit never hides the former.
    ORDER BY CASE WHEN r.lease_expires_at < now() THEN 0 WHEN r.status = 'waiting' THEN 1
                  ELSE 2 END,
             r.created_at
    LIMIT :limit
    """
)
# Who still executes the runs of entries marked in progress.
LEASE_HOLDERS = text(
    """
    SELECT id, queue_job_id, (lease_owner IS NOT NULL AND lease_expires_at >= now()) AS leased
    FROM runs WHERE id = ANY(:ids)
    """
)

Holders = dict[uuid.UUID, tuple[str | None, bool]]


def due_runs(database_url: str, grace_s: float, limit: int = 500) -> list[tuple[Any, ...]] | None:
    """The runs to hand back (id, queue job, lease expired); None if another worker's
    reaper is at work."""
    with session_scope(database_url) as session:
        locked = session.execute(
            text("SELECT pg_try_advisory_xact_lock(:lock)"), {"lock": REAPER_LOCK_ID}
        ).scalar_one()
        if not locked:
            return None
        return [tuple(row) for row in session.execute(DUE_RUNS, {"grace": grace_s, "limit": limit})]


def lease_holders(database_url: str, run_ids: list[uuid.UUID]) -> Holders:
    """For each run: its current queue job, and whether a live lease is held on it."""
    with session_scope(database_url) as session:
        rows = session.execute(LEASE_HOLDERS, {"ids": run_ids})
        return {row[0]: (row[1], bool(row[2])) for row in rows}


def _orphaned(job_id: str, holder: tuple[str | None, bool] | None) -> bool:
    """Nobody executes this job: its run is gone, unleased, or leased by the executor
    of a later job (a takeover)."""
    if holder is None:
        return True
    current_job, leased = holder
    return not (leased and current_job == job_id)


async def release_orphans(queue: Any, database_url: str, grace_s: float) -> list[str]:
    """Release the run jobs among the due entries that a worker marked in progress
    longer than ``grace_s`` ago and that nobody executes; returns their ids."""
    marked = await marked_in_progress(queue, await due_run_jobs(queue, ORPHAN_WINDOW), grace_s)
    if not marked:
        return []
    jobs = [(job, run_id) for job in marked if (run_id := run_id_of(job)) is not None]
    holders = await asyncio.to_thread(lease_holders, database_url, [run for _, run in jobs])
    orphans = [job for job, run_id in jobs if _orphaned(job, holders.get(run_id))]
    if orphans:
        await release(queue, orphans)
        log.info("released %d orphaned queue entries: %s", len(orphans), orphans)
    return orphans


async def reap_once(queue: Any, database_url: str, grace_s: float) -> list[uuid.UUID]:
    """Release orphaned entries and re-enqueue what needs it; returns the run ids
    handed back."""
    due = await asyncio.to_thread(due_runs, database_url, grace_s)
    if due is None:
        return []  # another worker's reaper is at work
    await release_orphans(queue, database_url, grace_s)
    entries = await read_entries(queue, [job_id for _, job_id, _ in due if job_id])
    horizon_ms = now_ms() + PENDING_HORIZON_S * 1000
    handed_back = []
    for run_id, job_id, lease_expired in due:
        entry = entries.get(job_id) if job_id else None
        if (
            entry is not None
            and not lease_expired
            and entry.pending(grace_s=grace_s, horizon_ms=horizon_ms)
        ):
            continue  # a worker will pick it up: do not add another
        if entry is not None and (lease_expired or entry.in_progress_s is not None):
            # The dead (or stuck) worker's entry: release it, so that it does not hold
            # a place at the head of the queue for the job timeout.
            await release(queue, [entry.job_id])
        await enqueue(queue, database_url, run_id, priority=True)
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
