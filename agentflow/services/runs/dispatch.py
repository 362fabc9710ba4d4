"""Runs on the worker pool: start, enqueue, cancel, decide approvals, rerun.

The use cases (start_run, cancel_run, decide, rerun_from) take an :class:`Actor`:
each checks its permission, changes the run and appends its audit entry in one
transaction, and enqueues only after that commit.

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

from agentflow.db.engine import session_scope, unit_of_work
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
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import Action, Actor, require
from agentflow.services.workflows import management as workflows
from agentflow.services.workflows import versions
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


def store_run(
    database_url: str,
    raw_document: Mapping[str, Any],
    run_input: Any,
    *,
    actor: Actor,
    trigger: str = "manual",
    workflow_id: uuid.UUID | None = None,
    workflow_version: int | None = None,
    details: Mapping[str, Any] | None = None,
    org_secrets: bool = True,
) -> uuid.UUID:
    """Check, store a queued run and its ``run.start`` audit entry in one transaction.

    Every way of starting a run (API, UI, webhooks, CLI) comes here, so this is where
    the actor's permission, a used-up hard-stop budget or a missing secret refuses it
    (run_gate). :func:`start_run` then enqueues it; ``agentflow run`` executes it in
    its own process, with the secrets of its environment (``org_secrets=False``: the
    organisation's are not what it reads).
    """
    require(actor, Action.RUN_START)
    with unit_of_work(database_url) as session:
        check_can_run(
            database_url, actor.org_id, workflow_id, raw_document, org_secrets=org_secrets
        )
        run_id = create_run(
            database_url,
            raw_document,
            run_input,
            org_id=actor.org_id,
            trigger=trigger,
            workflow_id=workflow_id,
            workflow_version=workflow_version,
        )
        audit_run(session, actor, "run.start", run_id, trigger=trigger, workflow=workflow_id,
               **(details or {}))  # fmt: skip
        return run_id


async def start_run(
    database_url: str,
    queue: ArqRedis,
    raw_document: Mapping[str, Any],
    run_input: Any,
    *,
    actor: Actor,
    trigger: str = "manual",
    workflow_id: uuid.UUID | None = None,
    workflow_version: int | None = None,
    details: Mapping[str, Any] | None = None,
) -> uuid.UUID:
    """:func:`store_run`, then enqueue the run: only after the commit, so that no worker
    can look for a run that is not stored yet."""
    run_id = await asyncio.to_thread(
        store_run,
        database_url,
        raw_document,
        run_input,
        actor=actor,
        trigger=trigger,
        workflow_id=workflow_id,
        workflow_version=workflow_version,
        details=details,
    )
    await enqueue_or_leave_to_reaper(queue, database_url, run_id)
    return run_id


def audit_run(session: Any, actor: Actor, action: str, run_id: uuid.UUID, **details: Any) -> None:
    """The audit entry of a run use case, in the use case's own transaction."""
    audit.record(
        session,
        actor,
        action,
        target_type="run",
        target_id=run_id,
        details={key: _plain(value) for key, value in details.items()} or None,
    )


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


async def start_workflow_run(
    database_url: str,
    queue: ArqRedis,
    workflow_id: uuid.UUID,
    run_input: Any,
    *,
    actor: Actor,
    trigger: str,
    version: int | None = None,
    draft: bool = False,
) -> tuple[uuid.UUID, int | None]:
    """Start a stored workflow: its draft, one published version, or (by default) the
    latest published one. Returns the run id and the version it runs (None: the draft)."""

    def store() -> tuple[uuid.UUID, int | None]:
        require(actor, Action.RUN_START)
        # Either read refuses (WorkflowNotFound) a workflow of another organisation.
        runnable = (
            versions.Runnable(
                None, workflows.get_draft(database_url, workflow_id, org_id=actor.org_id)
            )
            if draft
            else versions.runnable_document(database_url, actor.org_id, workflow_id, version)
        )
        run_id = store_run(
            database_url,
            runnable.document,
            run_input,
            actor=actor,
            trigger=trigger,
            workflow_id=workflow_id,
            workflow_version=runnable.version,
            details={"of": "draft" if runnable.version is None else runnable.version},
        )
        return run_id, runnable.version

    run_id, ran_version = await asyncio.to_thread(store)
    await enqueue_or_leave_to_reaper(queue, database_url, run_id)
    return run_id, ran_version


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


def apply_cancellation(database_url: str, run_id: uuid.UUID, org_id: uuid.UUID) -> str:
    """Cancel what no worker is executing at once; flag a running run for its worker.

    Not audited: :func:`cancel_run` is the use case; a worker calls this on its own to
    finish a cancellation someone already asked for."""
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


async def cancel_run(database_url: str, run_id: uuid.UUID, *, actor: Actor) -> str:
    """Cancel the run (``cancelled``) or flag it for the worker executing it
    (``cancelling``); audited as ``run.cancel`` in the same transaction."""

    def cancel() -> str:
        require(actor, Action.RUN_CANCEL)
        with unit_of_work(database_url) as session:
            result = apply_cancellation(database_url, run_id, actor.org_id)
            audit_run(session, actor, "run.cancel", run_id, result=result)
            return result

    return await asyncio.to_thread(cancel)


async def decide(
    database_url: str,
    queue: ArqRedis,
    run_id: uuid.UUID,
    node: str,
    *,
    actor: Actor,
    approved: bool,
    by: str | None = None,
    comment: str | None = None,
) -> None:
    """Record an approval decision (by ``by``, the actor's label unless given), audit it
    in the same transaction, then hand the run back to the pool."""

    def record() -> None:
        require(actor, Action.RUN_APPROVE)
        with unit_of_work(database_url) as session:
            decide_approval(
                database_url,
                run_id,
                node,
                approved=approved,
                by=by or actor.label or None,
                comment=comment,
                org_id=actor.org_id,
            )
            action = "run.approve" if approved else "run.reject"
            audit_run(session, actor, action, run_id, node=node, **({"by": by} if by else {}))

    await asyncio.to_thread(record)
    # The decision is stored: if Redis fails now, the reaper resumes the run. A run
    # already under way goes ahead of queued new runs.
    await enqueue_or_leave_to_reaper(queue, database_url, run_id, priority=True)


def _prepare_rerun(session: Any, original: Run, node: str, new_input: Any) -> uuid.UUID:
    """Store the rerun of ``original`` (in ``session``) with copies of the steps it reuses."""
    document = check_request(original.document, original.input if new_input is None else new_input)
    if document.node(node) is None:
        raise RunNotRerunnable(f"the run's workflow has no node {node!r}")
    upstream = Graph.of(document).upstream(node)
    steps = session.execute(
        select(Step).where(Step.run_id == original.id, Step.node_id.in_(upstream))  # type: ignore[arg-type,attr-defined]
    ).scalars()
    # Routed failures (handles ["error"]) let the graph go on; a failure that failed
    # the run is exactly what a rerun is for, so it runs again.
    reusable = [
        step
        for step in steps
        if step.status in ("succeeded", "skipped") or (step.status == "failed" and step.handles)
    ]
    run = Run(
        org_id=original.org_id,
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


async def rerun_from(
    database_url: str,
    queue: ArqRedis,
    run_id: uuid.UUID,
    node: str,
    *,
    actor: Actor,
    new_input: Any = None,
    details: Mapping[str, Any] | None = None,
) -> uuid.UUID:
    """A new run that reuses every recorded step upstream of ``node``; ``node`` and what
    follows run again (with ``new_input`` as the run input when given). The new run and
    its ``run.rerun`` audit entry commit together, before the job is enqueued."""

    def store() -> uuid.UUID:
        require(actor, Action.RUN_START)
        with unit_of_work(database_url) as session:
            original = get_in_org(session, Run, run_id, org_id=actor.org_id)
            if original is None:
                raise RunNotFound(str(run_id))
            # The same gate as every other start: budgets and the secrets it reads.
            check_can_run(database_url, actor.org_id, original.workflow_id, dict(original.document))
            new_run = _prepare_rerun(session, original, node, new_input)
            audit_run(session, actor, "run.rerun", new_run, rerun_of=run_id, from_node=node,
                   **(details or {}))  # fmt: skip
            return new_run

    new_run = await asyncio.to_thread(store)
    await enqueue_or_leave_to_reaper(queue, database_url, new_run)
    return new_run
