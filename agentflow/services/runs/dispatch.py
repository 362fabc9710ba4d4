"""Runs on the worker pool: start, enqueue, cancel, decide approvals, rerun.

The queue carries only run ids; PostgreSQL is the source of truth. Anything
enqueued may be lost (Redis restarted from an old snapshot, flushed): the
reaper re-enqueues from PostgreSQL, and leases make duplicates harmless.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from arq.connections import ArqRedis
from redis.exceptions import RedisError
from sqlalchemy import select, text

from agentflow.db.engine import session_scope
from agentflow.db.run_store import account_waiting_time, close_open_steps
from agentflow.db.runs import Run, Step
from agentflow.db.tenancy import get_in_org
from agentflow.engine.ports import TERMINAL_RUN_STATUSES
from agentflow.errors import Conflict
from agentflow.services.runs.gate import check_can_run
from agentflow.services.runs.lifecycle import (
    RunNotFound,
    check_request,
    create_run,
    decide_approval,
)
from agentflow.spec.graph import Graph

EXECUTE_JOB = "execute_run_job"
log = logging.getLogger("agentflow.dispatch")


class RunNotRerunnable(Conflict):
    pass


# arq starts due jobs in the order of their queue score, the time they were enqueued
# for. A priority job's score lies this far in the past: ahead of every entry still
# due, since arq drops a job a day after its time.
PRIORITY_HEAD_START = timedelta(days=2)
JOB_EXPIRES = timedelta(days=1)


async def enqueue(
    queue: ArqRedis,
    database_url: str,
    run_id: uuid.UUID,
    *,
    at: datetime | None = None,
    priority: bool = False,
) -> str:
    """Put the run id on the queue (optionally deferred) and remember the job id.

    ``priority`` puts it ahead of all queued new work: for runs already under way
    (taken over from a dead worker, resumed after a decision), so that they do not
    wait behind runs that have not started yet.
    """
    job_id = f"run:{run_id}:{uuid.uuid4().hex[:12]}"
    if priority and at is None:
        await queue.enqueue_job(
            EXECUTE_JOB,
            str(run_id),
            _job_id=job_id,
            _defer_until=datetime.now(UTC) - PRIORITY_HEAD_START,
            _expires=JOB_EXPIRES,
        )
    else:
        await queue.enqueue_job(EXECUTE_JOB, str(run_id), _job_id=job_id, _defer_until=at)
    await asyncio.to_thread(_remember_job, database_url, run_id, job_id)
    return job_id


def _remember_job(database_url: str, run_id: uuid.UUID, job_id: str) -> None:
    with session_scope(database_url) as session:
        session.execute(
            text("UPDATE runs SET queue_job_id = :job, enqueued_at = now() WHERE id = :id"),
            {"job": job_id, "id": run_id},
        )


async def start_run(
    database_url: str,
    queue: ArqRedis,
    raw_document: Mapping[str, Any],
    run_input: Any,
    *,
    org_id: uuid.UUID,
    trigger: str = "manual",
    workflow_id: uuid.UUID | None = None,
    workflow_version: int | None = None,
) -> uuid.UUID:
    """Validate, store (status ``queued``, with the exact document) and enqueue a run.

    Every way of starting a run (API, UI, webhooks, schedules, CLI) comes here, so this
    is where a used-up hard-stop budget or a missing secret refuses it (run_gate).
    """
    await asyncio.to_thread(check_can_run, database_url, org_id, workflow_id, raw_document)
    run_id = await asyncio.to_thread(
        create_run,
        database_url,
        raw_document,
        run_input,
        org_id=org_id,
        trigger=trigger,
        workflow_id=workflow_id,
        workflow_version=workflow_version,
    )
    await enqueue_or_leave_to_reaper(queue, database_url, run_id)
    return run_id


async def enqueue_or_leave_to_reaper(
    queue: ArqRedis, database_url: str, run_id: uuid.UUID, *, priority: bool = False
) -> None:
    """Enqueue a run that is already stored. If Redis fails now, the run stays queued in
    PostgreSQL and the reaper enqueues it once Redis answers again (after its grace
    period): the caller still gets the run id, so a retry never makes a second run."""
    try:
        await enqueue(queue, database_url, run_id, priority=priority)
    except (RedisError, OSError) as exc:
        log.warning(
            "run %s is stored but not queued yet (%s); the reaper will queue it", run_id, exc
        )


def _cancel_in_database(database_url: str, run_id: uuid.UUID, org_id: uuid.UUID) -> str:
    """Cancel what no worker is executing at once; flag a running run for its worker."""
    with session_scope(database_url) as session:
        run = get_in_org(session, Run, run_id, org_id=org_id, for_update=True)
        if run is None:
            raise RunNotFound(str(run_id))
        if run.status in TERMINAL_RUN_STATUSES:
            return run.status
        run.cancel_requested = True
        if run.status in ("queued", "waiting") and (
            run.lease_owner is None or run.lease_expires_at is None
        ):
            account_waiting_time(run, "cancelled")
            run.status = "cancelled"
            run.finished_at = datetime.now().astimezone()
            run.error = {"type": "cancelled", "message": "the run was cancelled"}
            close_open_steps(session, run_id, run.org_id, "cancelled")
            return "cancelled"
        # A worker holds it: it polls the flag with each lease renewal (every second).
        return "cancelling"


async def cancel_run(database_url: str, run_id: uuid.UUID, *, org_id: uuid.UUID) -> str:
    return await asyncio.to_thread(_cancel_in_database, database_url, run_id, org_id)


async def decide(
    database_url: str,
    queue: ArqRedis,
    run_id: uuid.UUID,
    node: str,
    *,
    approved: bool,
    by: str | None = None,
    comment: str | None = None,
    org_id: uuid.UUID,
) -> None:
    """Record an approval decision and hand the run back to the pool."""
    await asyncio.to_thread(
        decide_approval,
        database_url,
        run_id,
        node,
        approved=approved,
        by=by,
        comment=comment,
        org_id=org_id,
    )
    # The decision is stored: if Redis fails now, the reaper resumes the run. A run
    # already under way goes ahead of queued new runs.
    await enqueue_or_leave_to_reaper(queue, database_url, run_id, priority=True)


def _prepare_rerun(
    database_url: str,
    run_id: uuid.UUID,
    node: str,
    new_input: Any,
    org_id: uuid.UUID,
) -> uuid.UUID:
    with session_scope(database_url) as session:
        original = get_in_org(session, Run, run_id, org_id=org_id)
        if original is None:
            raise RunNotFound(str(run_id))
        document = check_request(
            original.document, original.input if new_input is None else new_input
        )
        if document.node(node) is None:
            raise RunNotRerunnable(f"the run's workflow has no node {node!r}")
        upstream = Graph.of(document).upstream(node)
        steps = session.execute(
            select(Step).where(Step.run_id == run_id, Step.node_id.in_(upstream))  # type: ignore[arg-type,attr-defined]
        ).scalars()
        # Routed failures (handles ["error"]) let the graph go on; a failure that failed
        # the run is exactly what a rerun is for, so it runs again.
        reusable = [
            step
            for step in steps
            if step.status in ("succeeded", "skipped") or (step.status == "failed" and step.handles)
        ]
        run = Run(
            org_id=org_id,
            workflow_id=original.workflow_id,
            workflow_version=original.workflow_version,
            document=original.document,
            input=original.input if new_input is None else new_input,
            trigger="rerun",
            rerun_of=original.id,
            rerun_from=node,
        )
        session.add(run)
        session.flush()
        for step in reusable:
            copied = {
                column: getattr(step, column)
                for column in Step.model_fields
                if column not in ("id", "run_id")
            }
            session.add(Step(**copied, id=uuid.uuid4(), run_id=run.id))
        return run.id


def _workflow_of(
    database_url: str, run_id: uuid.UUID, org_id: uuid.UUID
) -> tuple[uuid.UUID | None, dict[str, Any]]:
    """The run's workflow and the exact document it ran (what a rerun runs again)."""
    with session_scope(database_url) as session:
        run = get_in_org(session, Run, run_id, org_id=org_id)
        if run is None:
            raise RunNotFound(str(run_id))
        return run.workflow_id, dict(run.document)


async def rerun_from(
    database_url: str,
    queue: ArqRedis,
    run_id: uuid.UUID,
    node: str,
    *,
    new_input: Any = None,
    org_id: uuid.UUID,
) -> uuid.UUID:
    """A new run that reuses every recorded step upstream of ``node``; ``node`` and what
    follows run again (with ``new_input`` as the run input when given)."""
    workflow_id, document = await asyncio.to_thread(_workflow_of, database_url, run_id, org_id)
    # The same gate as every other start: budgets and the secrets the document reads.
    await asyncio.to_thread(check_can_run, database_url, org_id, workflow_id, document)
    new_run = await asyncio.to_thread(_prepare_rerun, database_url, run_id, node, new_input, org_id)
    await enqueue_or_leave_to_reaper(queue, database_url, new_run)
    return new_run
