"""An arq worker that waits out Redis outages instead of exiting or stranding jobs.

arq 0.28 lets a Redis error escape from several places, each of which either ends
the worker process or leaves a job marked "in progress" for the whole job timeout:

- start-up: ``create_pool`` gives up after ``conn_retries``; then the INFO it logs;
- the poll loop: the queue read, each job's pick-up (WATCH, reads, MULTI/EXEC: a
  connection lost while watching raises ``WatchError``, and the slot it had
  reserved was never given back), the health check and the cron enqueues;
- ``run_job``: its first reads, before the job function runs, and its last writes
  (``finish_job`` / ``finish_failed_job``), after it ran;
- shutdown: deleting the health-check key.

Here each is retried with capped exponential backoff with jitter, until Redis
answers again. Jobs in flight keep running meanwhile: they write their progress
to PostgreSQL, not Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from arq.connections import ArqRedis, create_pool, log_redis_info
from arq.constants import in_progress_key_prefix
from arq.utils import poll, timestamp_ms
from arq.worker import Worker
from redis.exceptions import RedisError, ResponseError, WatchError

from agentflow.backoff import Backoff

log = logging.getLogger("agentflow.worker")
arq_log = logging.getLogger("arq.worker")
# RedisError covers connection and timeout errors, WatchError and "LOADING"; OSError
# the socket's own (refused, reset), asyncio.TimeoutError a connect that hangs.
REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, asyncio.TimeoutError)
REDIS_RETRY_BASE_S = 0.25
REDIS_RETRY_CAP_S = 5.0


def redis_backoff() -> Backoff:
    return Backoff(base_s=REDIS_RETRY_BASE_S, cap_s=REDIS_RETRY_CAP_S)


class SupervisedWorker(Worker):
    """arq's Worker, with every Redis call it makes on its own retried (see above)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._poll_backoff = redis_backoff()

    async def main(self) -> None:
        # arq's main, but for the waits: connect until Redis answers, start even if
        # it goes away right after, and never let one poll's error end the loop.
        if self._pool is None:
            self._pool = await self._connect()
        arq_log.info(
            "Starting worker for %d functions: %s", len(self.functions), ", ".join(self.functions)
        )
        try:
            await log_redis_info(self.pool, arq_log.info)
        except REDIS_ERRORS as exc:
            log.warning("could not read Redis's info: %s", exc)
        self.ctx["redis"] = self.pool
        if self.on_startup:
            await self.on_startup(self.ctx)
        async for _ in poll(self.poll_delay_s):
            await self._poll_iteration()
            if self.burst and await self._burst_done():
                return

    async def _burst_done(self) -> bool:
        if 0 <= self.max_burst_jobs <= self._jobs_started() or not await self.pool.zcard(
            self.queue_name
        ):
            await asyncio.gather(*self.tasks.values())
            return True
        return False

    async def _connect(self) -> ArqRedis:
        assert self.redis_settings is not None
        # One attempt per call: the waiting (without limit) is ours.
        settings = dataclasses.replace(self.redis_settings, conn_retries=0)
        backoff = redis_backoff()
        while True:
            try:
                return await create_pool(
                    settings,
                    job_serializer=self.job_serializer,
                    job_deserializer=self.job_deserializer,
                    default_queue_name=self.queue_name,
                    expires_extra_ms=self.expires_extra_ms,
                )
            except REDIS_ERRORS as exc:
                delay = backoff.next()
                log.warning("Redis unavailable (%s); connecting again in %.1f s", exc, delay)
                await asyncio.sleep(delay)

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except REDIS_ERRORS as exc:
            delay = self._poll_backoff.next()
            log.warning(
                "Redis unavailable (%s: %s); polling again in %.1f s",
                type(exc).__name__, exc, delay,
            )  # fmt: skip
            await asyncio.sleep(delay)
        else:
            if self._poll_backoff.attempt:
                log.info("Redis answers again")
                self._poll_backoff.reset()

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        """arq's start_jobs, except that a pick-up interrupted by a Redis error gives its
        job slot back (arq's keeps it reserved for good: a few outages and the worker
        stops taking work)."""
        for job_id_b in job_ids:
            await self.sem.acquire()
            if self.job_counter >= self.max_jobs:
                self.sem.release()
                return
            self.job_counter += 1
            job_id = job_id_b.decode()
            try:
                score = await self._claim(job_id)
            except BaseException:
                self._release_sem_dec_counter_on_complete()
                raise
            if score is None:
                self._release_sem_dec_counter_on_complete()
                continue
            task = self.loop.create_task(self.run_job(job_id, score))
            task.add_done_callback(lambda _: self._release_sem_dec_counter_on_complete())
            self.tasks[job_id] = task

    async def _claim(self, job_id: str) -> int | None:
        """Mark the job in progress, as arq does; None if it is not ours to run."""
        in_progress_key = in_progress_key_prefix + job_id
        async with self.pool.pipeline(transaction=True) as pipe:
            await pipe.watch(in_progress_key)
            ongoing = await pipe.exists(in_progress_key)
            score = await pipe.zscore(self.queue_name, job_id)
            if ongoing or not score or score > timestamp_ms():
                return None  # running elsewhere, finished, or deferred again meanwhile
            pipe.multi()
            pipe.psetex(in_progress_key, int(self.in_progress_timeout_s * 1000), b"1")
            try:
                await pipe.execute()
            except (ResponseError, WatchError):
                return None  # another worker took it since we looked
        return int(score)

    async def run_job(self, job_id: str, score: int) -> None:
        try:
            await super().run_job(job_id, score)
        except REDIS_ERRORS as exc:
            # Finishing retries by itself (below), so what failed is a read before the
            # job function ran: clear the job's mark, and a poll picks it up again
            # instead of it staying "in progress" for the job timeout.
            log.warning("could not start job %s (%s); it goes back to the queue", job_id, exc)
            await self._until_redis_answers(
                f"releasing job {job_id}", lambda: self.pool.delete(in_progress_key_prefix + job_id)
            )

    async def finish_job(
        self,
        job_id: str,
        finish: bool,
        result_data: bytes | None,
        result_timeout_s: float | None,
        keep_result_forever: bool,
        incr_score: int | None,
        keep_in_progress: float | None,
    ) -> None:
        args = (job_id, finish, result_data, result_timeout_s, keep_result_forever)
        await self._until_redis_answers(
            f"finishing job {job_id}",
            lambda: Worker.finish_job(self, *args, incr_score, keep_in_progress),
        )

    async def finish_failed_job(self, job_id: str, result_data: bytes | None) -> None:
        await self._until_redis_answers(
            f"finishing job {job_id}", lambda: Worker.finish_failed_job(self, job_id, result_data)
        )

    async def _until_redis_answers(self, what: str, call: Callable[[], Awaitable[Any]]) -> None:
        backoff = redis_backoff()
        while True:
            try:
                await call()
                return
            except REDIS_ERRORS as exc:
                delay = backoff.next()
                log.warning("Redis unavailable while %s (%s); retrying in %.1f s", what, exc, delay)
                await asyncio.sleep(delay)

    async def close(self) -> None:
        """arq's close, except that Redis being down does not skip on_shutdown."""
        if not self._handle_signals:
            self.handle_sig(signal.SIGUSR1)
        if not self._pool:
            return
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        try:
            await self.pool.delete(self.health_check_key)
        except REDIS_ERRORS as exc:
            log.warning("could not remove the health check while stopping: %s", exc)
        if self.on_shutdown:
            await self.on_shutdown(self.ctx)
        with contextlib.suppress(*REDIS_ERRORS):
            await self.pool.close(close_connection_pool=True)
        self._pool = None
