"""Measurements through Valkey and real worker processes: latency, throughput, memory."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from arq.constants import result_key_prefix
from arq.jobs import Job
from sqlalchemy import text

from agentflow.bench.harness import Progress, WorkerProcess
from agentflow.bench.inprocess import chain_document
from agentflow.bench.stats import linear_slope, percentile, rate
from agentflow.db.engine import session_scope
from agentflow.db.models import LOCAL_ORG_ID
from agentflow.engine.ports import TERMINAL_RUN_STATUSES
from agentflow.queue import QUEUE_NAME, deserialize
from agentflow.services.runs.dispatch import enqueue
from agentflow.services.runs.lifecycle import create_run

# trigger + 9 set nodes: the "ten-node run" of the throughput figures.
TEN_NODE_CHAIN = chain_document(9, name="bench ten-node chain")
RUN_TIMEOUT_S = 120.0


@dataclass
class RunRow:
    status: str
    started_at: float | None  # epoch seconds (PostgreSQL's clock: this machine's)
    finished_at: float | None


@dataclass
class RssSampler:
    """Samples one worker's RSS every ``interval_s`` together with a progress count."""

    worker: WorkerProcess
    progress_count: Callable[[], int]
    interval_s: float = 0.5
    samples: list[tuple[float, int, float]] = field(default_factory=list)

    async def run(self) -> None:
        started = time.monotonic()
        while True:
            if self.worker.alive():
                sample = (time.monotonic() - started, self.progress_count(), self.worker.rss_mb())
                self.samples.append(sample)
            await asyncio.sleep(self.interval_s)


class PoolBench:
    def __init__(self, database_url: str, queue: Any, progress: Progress) -> None:
        self.database_url = database_url
        self.queue = queue
        self.progress = progress
        self.finished_total = 0  # runs seen finished, across phases (for the sampler)

    # -- plumbing ------------------------------------------------------------------------

    def _create_runs(self, count: int) -> list[uuid.UUID]:
        return [
            create_run(self.database_url, TEN_NODE_CHAIN, {}, trigger="api", org_id=LOCAL_ORG_ID)
            for _ in range(count)
        ]

    async def create_runs(self, count: int) -> list[uuid.UUID]:
        return await asyncio.to_thread(self._create_runs, count)

    def _rows(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, RunRow]:
        with session_scope(self.database_url) as session:
            result = session.execute(
                text(
                    "SELECT id, status, extract(epoch FROM started_at), "
                    "extract(epoch FROM finished_at) FROM runs WHERE id = ANY(:ids)"
                ),
                {"ids": ids},
            )
            return {
                row[0]: RunRow(
                    row[1],
                    float(row[2]) if row[2] is not None else None,
                    float(row[3]) if row[3] is not None else None,
                )
                for row in result
            }

    def _count_finished(self, ids: list[uuid.UUID]) -> int:
        with session_scope(self.database_url) as session:
            return int(
                session.execute(
                    text("SELECT count(*) FROM runs WHERE id = ANY(:ids) AND status = ANY(:done)"),
                    {"ids": ids, "done": sorted(TERMINAL_RUN_STATUSES)},
                ).scalar_one()
            )

    def _count_all_finished(self) -> int:
        with session_scope(self.database_url) as session:
            return int(
                session.execute(
                    text("SELECT count(*) FROM runs WHERE status = ANY(:done)"),
                    {"done": sorted(TERMINAL_RUN_STATUSES)},
                ).scalar_one()
            )

    async def wait_finished(self, ids: list[uuid.UUID], poll_s: float = 0.2) -> None:
        """Until every run in ``ids`` reached a final status (updating finished_total)."""
        base = self.finished_total
        deadline = time.monotonic() + RUN_TIMEOUT_S + len(ids)
        while True:
            done = await asyncio.to_thread(self._count_finished, ids)
            self.finished_total = base + done
            if done >= len(ids):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {done} of {len(ids)} runs finished in time")
            await asyncio.sleep(poll_s)

    async def _wait_job_done(self, job_id: str) -> float:
        """Wait for the job's result; returns when arq started the job (epoch seconds)."""
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while not await self.queue.exists(result_key_prefix + job_id):
            if time.monotonic() > deadline:
                raise RuntimeError(f"job {job_id} did not finish in time")
            await asyncio.sleep(0.002)
        job = Job(job_id, self.queue, _queue_name=QUEUE_NAME, _deserializer=deserialize)
        info = await job.result_info()
        if info is None:
            raise RuntimeError(f"job {job_id} left no result")
        return info.start_time.timestamp()

    async def _enqueue_all(self, ids: list[uuid.UUID]) -> None:
        for run_id in ids:
            await enqueue(self.queue, self.database_url, run_id)

    async def truncate_runs(self) -> None:
        def truncate() -> None:
            with session_scope(self.database_url) as session:
                session.execute(text("TRUNCATE runs CASCADE"))

        await asyncio.to_thread(truncate)

    def _failures(self, rows: dict[uuid.UUID, RunRow]) -> int:
        return sum(1 for row in rows.values() if row.status != "succeeded")

    # -- figures -------------------------------------------------------------------------

    async def warm_up(self, count: int) -> None:
        ids = await self.create_runs(count)
        await self._enqueue_all(ids)
        await self.wait_finished(ids)

    async def enqueue_to_start(self, count: int) -> dict[str, Any]:
        """One run at a time on an empty queue: enqueue call -> the run's started_at."""
        ids: list[uuid.UUID] = []
        enqueued_at: dict[uuid.UUID, float] = {}
        job_started_at: dict[uuid.UUID, float] = {}
        for index in range(count):
            # Stored just before it is enqueued, as start_run does: a run left queued and
            # never enqueued for reaper_grace_s is enqueued by the reaper instead.
            run_id = (await self.create_runs(1))[0]
            ids.append(run_id)
            # A random pause so enqueues do not phase-lock with the worker's poll timer.
            await asyncio.sleep(random.uniform(0.005, 0.025))  # noqa: S311 - not crypto
            enqueued_at[run_id] = time.time()
            job_id = await enqueue(self.queue, self.database_url, run_id)
            job_started_at[run_id] = await self._wait_job_done(job_id)
            self.finished_total += 1
            if (index + 1) % 50 == 0:
                self.progress(f"  enqueue-to-start: {index + 1}/{count} runs")
        rows = await asyncio.to_thread(self._rows, ids)
        latencies = [
            (row.started_at - enqueued_at[run_id]) * 1000
            for run_id, row in rows.items()
            if row.started_at is not None
        ]
        if not latencies:
            raise RuntimeError("no run recorded a start time")
        # The two parts: until arq calls the job (poll + pick-up), then until the run is
        # marked running (lease, loading the run, the first recorded transition).
        pickup = [(job_started_at[i] - enqueued_at[i]) * 1000 for i in rows]
        in_job = [
            (row.started_at - job_started_at[i]) * 1000
            for i, row in rows.items()
            if row.started_at is not None
        ]
        return {
            "runs": count,
            "failed": self._failures(rows),
            # Must be 0: a run that started before its enqueue was executed by someone else.
            "negative_samples": sum(1 for latency in latencies if latency < 0),
            "p50": percentile(latencies, 50),
            "p90": percentile(latencies, 90),
            "p99": percentile(latencies, 99),
            "min": min(latencies),
            "max": max(latencies),
            "mean": sum(latencies) / len(latencies),
            "queue_pickup_ms_p50": percentile(pickup, 50),
            "queue_pickup_ms_p99": percentile(pickup, 99),
            "job_to_running_ms_p50": percentile(in_job, 50),
            "job_to_running_ms_p99": percentile(in_job, 99),
        }

    async def throughput(self, count: int) -> dict[str, Any]:
        """Enqueue ``count`` stored runs back to back; first enqueue -> last run finished."""
        ids = await self.create_runs(count)
        first_enqueue = time.time()
        await self._enqueue_all(ids)
        enqueue_s = time.time() - first_enqueue
        await self.wait_finished(ids)
        rows = await asyncio.to_thread(self._rows, ids)
        ends = sorted(row.finished_at for row in rows.values() if row.finished_at is not None)
        elapsed = ends[-1] - first_enqueue
        # Steady state: the rate between the 10th and 90th percentile of completions,
        # which leaves out the ramp-up and the drain of the last few runs.
        low, high = percentile(ends, 10), percentile(ends, 90)
        middle = sum(1 for end in ends if low <= end <= high)
        return {
            "runs": count,
            "failed": self._failures(rows),
            "seconds": elapsed,
            "enqueue_seconds": enqueue_s,
            "runs_per_s": rate(count, elapsed),
            "steady_runs_per_s": rate(middle - 1, high - low),
        }

    async def soak(
        self, worker: WorkerProcess, target: int, already: int, limit_s: float, batch: int
    ) -> dict[str, Any]:
        """Keep one worker busy until it executed ``target`` runs (or ``limit_s`` passed)."""
        base = self.finished_total
        sampler = RssSampler(worker, lambda: already + self.finished_total - base)
        sampling = asyncio.create_task(sampler.run())
        started = time.monotonic()
        finished_before = await asyncio.to_thread(self._count_all_finished)
        submitted = finished = 0
        wanted = max(0, target - already)
        stopped_by_time = False
        reported = 0
        try:
            # Keep between batch/2 and batch runs waiting, each stored just before it is
            # enqueued (as start_run does), so the reaper never sees a stale queued run.
            while finished < submitted or submitted < wanted:
                over_time = time.monotonic() - started > limit_s
                stopped_by_time = stopped_by_time or (over_time and submitted < wanted)
                if submitted < wanted and not over_time and submitted - finished < batch // 2:
                    chunk = min(batch - (submitted - finished), wanted - submitted)
                    await self._enqueue_all(await self.create_runs(chunk))
                    submitted += chunk
                    continue
                await asyncio.sleep(0.25)
                total = await asyncio.to_thread(self._count_all_finished)
                finished = total - finished_before
                self.finished_total = base + finished
                if finished - reported >= 500 or finished == submitted:
                    reported = finished
                    self.progress(
                        f"  soak: {already + finished}/{target} runs on {worker.name}, "
                        f"RSS {worker.rss_mb():.1f} MiB, {time.monotonic() - started:.0f} s"
                    )
            await asyncio.sleep(1.0)  # one more sample once the worker is idle
        finally:
            sampling.cancel()
        executed = already + finished
        seconds = time.monotonic() - started
        samples = sampler.samples
        # The trend leaves out the first tenth of the soak, where caches still fill.
        trend = [s for s in samples if s[1] >= already + (executed - already) / 10] or samples
        slope = linear_slope([s[1] for s in trend], [s[2] for s in trend])
        return {
            "runs_executed": executed,
            "soak_runs": executed - already,
            "soak_seconds": seconds,
            "soak_runs_per_s": rate(executed - already, seconds),
            "stopped_by_time_limit": stopped_by_time,
            "rss_mb_peak": max((s[2] for s in samples), default=worker.rss_mb()),
            "rss_mb_end": worker.rss_mb(),
            "rss_mb_growth_per_1000_runs": slope * 1000,
            "rss_samples": len(samples),
            "rss_trend": [
                {"runs": s[1], "rss_mb": round(s[2], 1)} for s in _thin(samples, points=11)
            ],
        }


def _thin(samples: list[tuple[float, int, float]], points: int) -> list[tuple[float, int, float]]:
    """About ``points`` evenly spaced samples (first and last included)."""
    if len(samples) <= points:
        return samples
    step = (len(samples) - 1) / (points - 1)
    return [samples[round(i * step)] for i in range(points)]
