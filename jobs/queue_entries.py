"""What arq keeps in Redis for a job, as the reaper reads and releases it.

For each job arq stores the job (``arq:job:<id>``) and its place in the queue (a
sorted set scored by when it may start); while a worker executes it, also
``arq:in-progress:<id>``, which expires only after the job timeout (a day). A worker
killed mid-job leaves that mark behind: no worker picks the job again, and since a
poll reads only the first ``queue_read_limit`` due entries, enough such orphans hide
all the work queued behind them. Run jobs are named ``run:<run id>:<suffix>``, so
the reaper can ask PostgreSQL whose they are and whether anyone still executes them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from arq.constants import in_progress_key_prefix, job_key_prefix, retry_key_prefix

from agentflow.queue import QUEUE_NAME

JOB_TIMEOUT_S = 24 * 3600
# How long arq marks a job in progress: the longest job timeout plus 10 s.
IN_PROGRESS_TTL_S = JOB_TIMEOUT_S + 10
RUN_JOB_PREFIX = "run:"


def now_ms() -> int:
    return int(time.time() * 1000)


def run_id_of(job_id: str) -> uuid.UUID | None:
    """The run a job executes, from its id; None for other jobs."""
    if not job_id.startswith(RUN_JOB_PREFIX):
        return None
    try:
        return uuid.UUID(job_id.split(":")[1])
    except (IndexError, ValueError):
        return None


@dataclass(frozen=True)
class Entry:
    job_id: str
    score: float | None  # when it may start (ms); None when it is not in the queue
    stored: bool  # the job itself is still there (a worker can execute it)
    in_progress_s: float | None  # how long ago a worker took it; None when nobody has

    def pending(self, *, grace_s: float, horizon_ms: float) -> bool:
        """A worker will execute it: queued to start before ``horizon_ms``, stored, and
        not taken by a worker longer than ``grace_s`` ago (a live worker would have
        taken the run's lease within milliseconds, or still holds it)."""
        return (
            self.score is not None
            and self.score <= horizon_ms
            and self.stored
            and (self.in_progress_s is None or self.in_progress_s <= grace_s)
        )


async def read_entries(queue: Any, job_ids: Iterable[str]) -> dict[str, Entry]:
    ids = list(dict.fromkeys(job_ids))
    if not ids:
        return {}
    async with queue.pipeline(transaction=False) as pipe:
        for job_id in ids:
            pipe.zscore(QUEUE_NAME, job_id)
            pipe.exists(job_key_prefix + job_id)
            pipe.pttl(in_progress_key_prefix + job_id)
        replies = await pipe.execute()
    entries = {}
    for n, job_id in enumerate(ids):
        score, stored, ttl_ms = replies[3 * n : 3 * n + 3]
        entries[job_id] = Entry(job_id, score, bool(stored), _taken_for_s(ttl_ms))
    return entries


def _taken_for_s(ttl_ms: int) -> float | None:
    """How long ago a job was marked in progress, from the mark's remaining time."""
    if ttl_ms == -2:  # no mark
        return None
    if ttl_ms == -1:  # a mark without expiry: not arq's, and never going away
        return float("inf")
    return IN_PROGRESS_TTL_S - ttl_ms / 1000


async def marked_in_progress(queue: Any, job_ids: list[str], older_than_s: float) -> list[str]:
    """The jobs a worker marked in progress more than ``older_than_s`` ago."""
    if not job_ids:
        return []
    async with queue.pipeline(transaction=False) as pipe:
        for job_id in job_ids:
            pipe.pttl(in_progress_key_prefix + job_id)
        ttls = await pipe.execute()
    return [
        job_id
        for job_id, ttl_ms in zip(job_ids, ttls, strict=True)
        if (_taken_for_s(ttl_ms) or 0) > older_than_s
    ]


async def due_run_jobs(queue: Any, limit: int) -> list[str]:
    """The run jobs among the first ``limit`` due entries: what workers look at."""
    due = await queue.zrangebyscore(QUEUE_NAME, "-inf", now_ms(), start=0, num=limit)
    ids = [raw.decode() if isinstance(raw, bytes) else str(raw) for raw in due]
    return [job_id for job_id in ids if run_id_of(job_id) is not None]


async def release(queue: Any, job_ids: Iterable[str]) -> None:
    """Take jobs off the queue for good: entry, job, in-progress mark and try count.

    Harmless even if a live worker executes one of them: it carries on, and arq's
    clean-up at the end finds nothing left to delete.
    """
    ids = list(dict.fromkeys(job_ids))
    if not ids:
        return
    async with queue.pipeline(transaction=True) as pipe:
        for job_id in ids:
            pipe.delete(
                in_progress_key_prefix + job_id, job_key_prefix + job_id, retry_key_prefix + job_id
            )
        pipe.zrem(QUEUE_NAME, *ids)
        await pipe.execute()
