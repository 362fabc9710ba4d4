"""The job that executes a run: takes the lease, keeps it alive, executes, lets go.

The job receives only a run id. Everything else is read from PostgreSQL, so the
same run can be enqueued twice, or resumed by another worker after a crash,
and still execute each step at most once to success. A job that meets PostgreSQL or
Redis down is tried again with backoff; the reaper is the backstop past that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from arq.worker import Retry
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from agentflow.backoff import backoff_delay
from agentflow.db.engine import session_scope
from agentflow.db.leases import Lease, LeaseLost, acquire, release, renew
from agentflow.services.delivery.automation_hooks import after_run_settled
from agentflow.services.providers.access import model_access
from agentflow.services.runs.dispatch import apply_cancellation, enqueue
from agentflow.services.runs.events import publish_event
from agentflow.services.runs.lifecycle import execute_run
from agentflow.services.tenancy.secrets import secrets_for_run

log = logging.getLogger("agentflow.worker")
# PostgreSQL or Redis unreachable, restarting or timing out: the job is tried again
# with capped exponential backoff, up to RUN_JOB_MAX_TRIES times (about 3 min); past
# that, the reaper hands the run back to the pool from PostgreSQL.
INFRA_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    RedisConnectionError,
    RedisTimeoutError,
    OSError,
)
RUN_JOB_MAX_TRIES = 12
RETRY_BASE_S = 0.5
RETRY_CAP_S = 30.0


async def keep_lease(
    database_url: str,
    lease: Lease,
    interval_s: float,
    cancel: asyncio.Event,
    work: asyncio.Task[Any],
    lost: asyncio.Event,
) -> None:
    """Renew every ``interval_s``; set ``cancel`` when asked to; stop ``work`` if lost."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            ours, cancel_requested = await asyncio.to_thread(renew, database_url, lease)
        except Exception as exc:  # database restarting: the fenced writes stay safe
            log.warning("lease renewal for %s failed: %s", lease.run_id, exc)
            continue
        if not ours:
            log.warning("lost the lease on %s; stopping its execution", lease.run_id)
            lost.set()
            work.cancel()
            return
        if cancel_requested:
            cancel.set()


def _wake_at(database_url: str, run_id: uuid.UUID) -> Any:
    with session_scope(database_url) as session:
        return session.execute(
            text("SELECT wake_at FROM runs WHERE id = :id AND status = 'waiting'"),
            {"id": run_id},
        ).scalar_one_or_none()


@dataclass(frozen=True)
class RunTenant:
    """Whom a run acts for: its organisation, that org's secrets (``{{ env.NAME }}``)
    and its model provider settings (keys among those secrets)."""

    org_id: uuid.UUID
    secrets: dict[str, str]
    model_access: dict[str, dict[str, str]]


def _tenant(database_url: str, run_id: uuid.UUID) -> RunTenant:
    """The worker acts for whichever organisation queued the run; the run row says
    which, and only that organisation's secrets are decrypted for it."""
    with session_scope(database_url) as session:
        org_id = session.execute(
            text("SELECT org_id FROM runs WHERE id = :id"), {"id": run_id}
        ).scalar_one()
    secrets = secrets_for_run(database_url, org_id)
    return RunTenant(org_id, secrets, model_access(database_url, org_id, secrets))


def _cancel_requested(database_url: str, run_id: uuid.UUID) -> bool:
    with session_scope(database_url) as session:
        return bool(
            session.execute(
                text("SELECT cancel_requested FROM runs WHERE id = :id"), {"id": run_id}
            ).scalar_one_or_none()
        )


async def execute_run_job(ctx: dict[str, Any], run_id: str) -> str:
    try:
        return await _execute_run_job(ctx, run_id)
    except INFRA_ERRORS as exc:
        job_try = int(ctx.get("job_try") or 1)
        delay = backoff_delay(job_try - 1, base_s=RETRY_BASE_S, cap_s=RETRY_CAP_S)
        log.warning(
            "run %s met %s (%s); retrying in %.1f s (try %d of %d)",
            run_id, type(exc).__name__, exc, delay, job_try, RUN_JOB_MAX_TRIES,
        )  # fmt: skip
        raise Retry(defer=delay) from exc


async def _execute_run_job(ctx: dict[str, Any], run_id: str) -> str:
    settings = ctx["settings"]
    database_url: str = ctx["database_url"]
    run_uuid = uuid.UUID(run_id)
    lease = await asyncio.to_thread(
        acquire, database_url, run_uuid, ctx["worker_id"], settings.run_lease_ttl_s
    )
    if lease is None:
        return "not-executable"  # finished, cancelled, or another worker holds it
    cancel = asyncio.Event()
    lost = asyncio.Event()
    try:
        tenant = await asyncio.to_thread(_tenant, database_url, run_uuid)
    except Exception:
        with contextlib.suppress(Exception):  # else the lease lapses by itself
            await asyncio.to_thread(release, database_url, lease)
        raise

    async def on_event(run: uuid.UUID, event_id: int) -> None:
        await publish_event(ctx["redis"], run, event_id)

    work = asyncio.create_task(
        execute_run(
            database_url,
            run_uuid,
            org_id=tenant.org_id,
            secrets=tenant.secrets,
            model_access=tenant.model_access,
            cancel=cancel,
            fencing_token=lease.token,
            on_event=on_event,
            allow_hosts=settings.allowed_outbound_hosts,
            suspend_long_waits=True,
            inline_wait_max_s=settings.inline_wait_max_s,
        )
    )
    keeper = asyncio.create_task(
        keep_lease(database_url, lease, settings.run_lease_renew_s, cancel, work, lost)
    )
    try:
        outcome = await work
    except LeaseLost:
        return "lease-lost"
    except asyncio.CancelledError:
        if lost.is_set():
            return "lease-lost"
        raise  # the worker is shutting down: the reaper hands the run to another one
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        with contextlib.suppress(Exception):
            await asyncio.to_thread(release, database_url, lease)
    if outcome.status == "waiting":
        try:
            await _after_pausing(ctx, database_url, run_uuid, tenant.org_id)
        except INFRA_ERRORS as exc:
            # Executing the run again would only pause it again: the reaper resumes it
            # from PostgreSQL when it is due (wake-up time, or the cancellation).
            log.warning("run %s paused, but %s: %s", run_uuid, type(exc).__name__, exc)
    try:  # outgoing events and notifications; never fail the run's job over them
        await asyncio.to_thread(after_run_settled, database_url, run_uuid)
    except Exception:
        log.exception("could not announce the outcome of run %s", run_uuid)
    return outcome.status


async def _after_pausing(
    ctx: dict[str, Any], database_url: str, run_uuid: uuid.UUID, org_id: uuid.UUID
) -> None:
    if await asyncio.to_thread(_cancel_requested, database_url, run_uuid):
        # Cancelled while this worker still held the lease, after the engine's last
        # look at the flag: nobody else will see the flag until the run wakes, so
        # finish the cancellation now that the lease is released.
        outcome_status = await asyncio.to_thread(apply_cancellation, database_url, run_uuid, org_id)
        log.info("run %s was cancelled while pausing: %s", run_uuid, outcome_status)
        return
    wake_at = await asyncio.to_thread(_wake_at, database_url, run_uuid)
    if wake_at is not None:
        await enqueue(ctx["redis"], database_url, run_uuid, at=wake_at)
