"""PostgreSQL implementations of the engine's ports (agentflow.engine.ports)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import col

from agentflow.db.engine import get_engine, session_scope
from agentflow.db.leases import LeaseLost, check_fence
from agentflow.db.runs import (
    ApprovalDecisionRow,
    Run,
    RunEvent,
    Step,
    Workflow,
    WorkflowVersion,
)
from agentflow.engine.masking import SecretMasker
from agentflow.engine.ports import (
    TERMINAL_RUN_STATUSES,
    ApprovalDecision,
    RunStatus,
    StepError,
    StepRecord,
)
from agentflow.errors import WorkflowNotFound, WorkflowNotPublished

T = TypeVar("T")


# A PostgreSQL restart interrupts writes for a few seconds: keep retrying them (each
# write is one transaction, so a retried write never leaves a partial step behind).
DB_RETRY_DEADLINE_S = 120.0
DB_RETRY_MAX_DELAY_S = 2.0
log = logging.getLogger("agentflow.run_store")


async def with_db_retry(write: Callable[[], T]) -> T:
    delay = 0.1
    deadline = time.monotonic() + DB_RETRY_DEADLINE_S
    while True:
        try:
            return await asyncio.to_thread(write)
        except (OperationalError, InterfaceError) as exc:
            if time.monotonic() + delay > deadline:
                raise
            log.warning("database unavailable, retrying in %.1f s: %s", delay, exc.orig)
            await asyncio.sleep(delay)
            delay = min(delay * 2, DB_RETRY_MAX_DELAY_S)


@dataclass
class PostgresRecorder:
    """Writes every step and run transition, with an event row for followers.

    Secrets are masked before anything is stored. With a ``fencing_token`` every
    write first checks the run is still ours (see agentflow.db.leases).
    """

    database_url: str
    org_id: uuid.UUID
    masker: SecretMasker
    fencing_token: int | None = None
    # Called with (run_id, event_id) after each committed event (Redis pub/sub).
    on_event: Callable[[uuid.UUID, int], Awaitable[None]] | None = None

    async def step_changed(self, run_id: str, step: StepRecord) -> None:
        run_uuid = uuid.UUID(run_id)
        event_id = await with_db_retry(lambda: self._save_step(run_uuid, step))
        await self._announce(run_uuid, event_id)

    async def run_changed(
        self, run_id: str, status: RunStatus, *, output: Any = None, error: StepError | None = None
    ) -> None:
        run_uuid = uuid.UUID(run_id)
        event_id = await with_db_retry(lambda: self._save_run(run_uuid, status, output, error))
        await self._announce(run_uuid, event_id)

    async def _announce(self, run_id: uuid.UUID, event_id: int) -> None:
        if self.on_event is not None:
            try:
                await self.on_event(run_id, event_id)
            except Exception as exc:  # followers fall back to polling the stored events
                log.warning("could not publish event %s: %s", event_id, exc)

    def _event(
        self, session: Any, run_id: uuid.UUID, kind: str, node: str | None, status: str,
        data: dict[str, Any],
    ) -> int:  # fmt: skip
        event = RunEvent(
            org_id=self.org_id, run_id=run_id, kind=kind, node_id=node, status=status, data=data
        )
        session.add(event)
        session.flush()
        assert event.id is not None
        return event.id

    def _save_step(self, run_id: uuid.UUID, step: StepRecord) -> int:
        """Fence check, step upsert and event row in ONE autocommitted statement.

        Steps are the hot path (two writes per step), so this is a single round trip.
        ``FOR SHARE`` on the run row makes a concurrent takeover (which updates that
        row) wait until this write is committed, or see it refused after.
        """
        mask = self.masker.mask
        error = mask(step.error.as_dict()) if step.error else None
        event = {
            "attempts": step.attempts,
            "started_at": _iso(step.started_at),
            "finished_at": _iso(step.finished_at),
            "error": error,
            "cost_usd": step.cost_usd,
        }
        params = {
            "run_id": run_id,
            "token": self.fencing_token,
            "step_id": uuid.uuid4(),
            "org_id": self.org_id,
            "node": step.node,
            "status": step.status,
            "attempts": step.attempts,
            "started_at": step.started_at,
            "finished_at": step.finished_at,
            "input": _jsonb(mask(step.input)),
            "output": _jsonb(mask(step.output)),
            "error": _jsonb(error),
            "handles": _jsonb(step.handles),
            "wait_until": step.wait_until,
            "prompt_tokens": step.prompt_tokens,
            "completion_tokens": step.completion_tokens,
            "cost_usd": step.cost_usd,
            "model": (step.model or "")[:200] or None,
            "provider": (step.provider or "")[:64] or None,
            "event": json.dumps(event),
        }
        with get_engine(self.database_url).connect() as connection:
            event_id = (
                connection.execution_options(isolation_level="AUTOCOMMIT")
                .execute(SAVE_STEP, params)
                .scalar_one_or_none()
            )
        if event_id is None:
            raise LeaseLost(run_id)
        return int(event_id)

    def _save_run(
        self, run_id: uuid.UUID, status: RunStatus, output: Any, error: StepError | None
    ) -> int:
        with session_scope(self.database_url) as session:
            check_fence(session, run_id, self.fencing_token)
            run = session.get(Run, run_id, with_for_update=True)
            if run is None or run.org_id != self.org_id:
                raise LookupError(f"run {run_id} does not exist")
            run.status = status
            # A waiting run sleeps until its earliest approval timeout or delay ends.
            run.wake_at = (
                session.execute(
                    select(func.min(Step.wait_until)).where(
                        Step.run_id == run_id,  # type: ignore[arg-type]
                        Step.status == "waiting",  # type: ignore[arg-type]
                    )
                ).scalar_one()
                if status == "waiting"
                else None
            )
            account_waiting_time(run, status)
            if status == "waiting" and self.fencing_token is not None:
                # Pausing ends this worker's execution: give the lease up in the same
                # transaction, so a waiting run is never seen still owned and a cancel
                # of it takes effect at once instead of answering "cancelling".
                run.lease_owner = None
                run.lease_expires_at = None
            now = func.now()
            if status == "running" and run.started_at is None:
                run.started_at = now  # type: ignore[assignment]
            if status in TERMINAL_RUN_STATUSES:
                run.finished_at = now  # type: ignore[assignment]
                close_open_steps(session, run_id, self.org_id, status)
                run.output = self.masker.mask(output)
                run.error = self.masker.mask(error.as_dict()) if error else None
                totals = session.execute(
                    select(
                        func.coalesce(func.sum(Step.prompt_tokens), 0),
                        func.coalesce(func.sum(Step.completion_tokens), 0),
                        func.coalesce(func.sum(Step.cost_usd), 0),
                    ).where(Step.run_id == run_id)  # type: ignore[arg-type]
                ).one()
                run.prompt_tokens, run.completion_tokens, run.cost_usd = (
                    int(totals[0]), int(totals[1]), float(totals[2]),
                )  # fmt: skip
            error_data = self.masker.mask(error.as_dict()) if error else None
            return self._event(session, run_id, "run", None, status, {"error": error_data})


def account_waiting_time(run: Run, status: str) -> None:
    """Keep ``paused_at`` / ``waited_s`` up to date as the run enters and leaves waiting.

    The run deadline counts execution only (see executed_seconds): a person deciding
    or a delay that freed the worker does not use up ``settings.timeout_s``.
    """
    if status == "waiting":
        if run.paused_at is None:
            run.paused_at = func.now()  # type: ignore[assignment]
    elif run.paused_at is not None:
        waited = func.extract("epoch", func.now() - run.paused_at)
        run.waited_s = func.greatest(0, run.waited_s + waited)  # type: ignore[assignment]
        run.paused_at = None


def executed_seconds(session: Any, run_id: uuid.UUID) -> float:
    """How long the run has spent executing so far, by the database's clock."""
    value = session.execute(
        text(
            "SELECT extract(epoch FROM now() - started_at) - waited_s"
            " - coalesce(extract(epoch FROM now() - paused_at), 0)"
            " FROM runs WHERE id = :id AND started_at IS NOT NULL"
        ),
        {"id": run_id},
    ).scalar_one_or_none()
    return max(0.0, float(value)) if value is not None else 0.0


# Why a step that had not finished ends when its run does, by the run's final status.
OPEN_STEP_ERRORS = {
    "cancelled": ("cancelled", "the run was cancelled"),
    "timed_out": ("timeout", "the run reached its deadline before this step finished"),
    "failed": ("cancelled", "the run failed before this step finished"),
    "succeeded": ("cancelled", "the run ended before this step finished"),
}

CLOSE_OPEN_STEPS = text(
    """
    WITH closed AS (
        UPDATE steps SET status = 'cancelled', finished_at = now(),
                         error = CAST(:error AS jsonb)
        WHERE run_id = :run_id AND status IN ('pending', 'running', 'waiting')
        RETURNING node_id
    )
    INSERT INTO run_events (org_id, run_id, kind, node_id, status, data, created_at)
    SELECT :org_id, :run_id, 'step', node_id, 'cancelled',
           jsonb_build_object('error', CAST(:error AS jsonb)), now()
    FROM closed
    RETURNING node_id
    """
)


def close_open_steps(
    session: Any, run_id: uuid.UUID, org_id: uuid.UUID, run_status: str
) -> list[str]:
    """A run that ends leaves no step running or waiting: each is marked cancelled,
    with an error saying why and an event for followers. Returns their node ids."""
    error_type, message = OPEN_STEP_ERRORS.get(run_status, OPEN_STEP_ERRORS["cancelled"])
    rows = session.execute(
        CLOSE_OPEN_STEPS,
        {
            "run_id": run_id,
            "org_id": org_id,
            "error": json.dumps({"type": error_type, "message": message}),
        },
    )
    return [str(node) for node in rows.scalars()]


def _jsonb(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str)


# The run row must exist and, when a fencing token is given, still carry it.
SAVE_STEP = text(
    """
    WITH fence AS (
        SELECT id FROM runs
        WHERE id = :run_id
          AND (CAST(:token AS bigint) IS NULL OR fencing_token = CAST(:token AS bigint))
        FOR SHARE
    ), saved AS (
        INSERT INTO steps (id, org_id, run_id, node_id, status, attempts, started_at,
                           finished_at, input, output, error, handles, wait_until,
                           prompt_tokens, completion_tokens, cost_usd, model, provider)
        SELECT :step_id, :org_id, fence.id, :node, :status, :attempts, :started_at,
               :finished_at, CAST(:input AS jsonb), CAST(:output AS jsonb),
               CAST(:error AS jsonb), CAST(:handles AS jsonb), :wait_until,
               :prompt_tokens, :completion_tokens, :cost_usd, :model, :provider
        FROM fence
        ON CONFLICT ON CONSTRAINT uq_steps_run_node DO UPDATE SET
            status = EXCLUDED.status, attempts = EXCLUDED.attempts,
            started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
            input = EXCLUDED.input, output = EXCLUDED.output, error = EXCLUDED.error,
            handles = EXCLUDED.handles, wait_until = EXCLUDED.wait_until,
            prompt_tokens = EXCLUDED.prompt_tokens,
            completion_tokens = EXCLUDED.completion_tokens, cost_usd = EXCLUDED.cost_usd,
            model = EXCLUDED.model, provider = EXCLUDED.provider
        RETURNING 1
    )
    -- A data-modifying WITH runs exactly once, whether or not it is read.
    INSERT INTO run_events (org_id, run_id, kind, node_id, status, data, created_at)
    SELECT :org_id, fence.id, 'step', :node, :status, CAST(:event AS jsonb), now()
    FROM fence
    RETURNING id
    """
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="microseconds") if value else None


@dataclass
class PostgresApprovalInbox:
    database_url: str
    org_id: uuid.UUID

    async def decision(self, run_id: str, node: str) -> ApprovalDecision | None:
        return await asyncio.to_thread(self._decision, uuid.UUID(run_id), node)

    def _decision(self, run_id: uuid.UUID, node: str) -> ApprovalDecision | None:
        with session_scope(self.database_url) as session:
            row = session.execute(
                select(ApprovalDecisionRow).where(
                    ApprovalDecisionRow.org_id == self.org_id,  # type: ignore[arg-type]
                    ApprovalDecisionRow.run_id == run_id,  # type: ignore[arg-type]
                    ApprovalDecisionRow.node_id == node,  # type: ignore[arg-type]
                )
            ).scalar_one_or_none()
            if row is None:
                return None
            return ApprovalDecision(row.approved, row.decided_by, row.comment)


@dataclass
class PostgresWorkflowLoader:
    database_url: str

    async def published_document(self, org_id: str, reference: str) -> Mapping[str, Any]:
        return await asyncio.to_thread(self._load, uuid.UUID(org_id), reference)

    def _load(self, org_id: uuid.UUID, reference: str) -> Mapping[str, Any]:
        with session_scope(self.database_url) as session:
            query = select(Workflow).where(Workflow.org_id == org_id)  # type: ignore[arg-type]
            try:
                query = query.where(Workflow.id == uuid.UUID(reference))  # type: ignore[arg-type]
            except ValueError:
                query = query.where(Workflow.name == reference)  # type: ignore[arg-type]
            workflow = session.execute(
                query.order_by(col(Workflow.created_at)).limit(1)
            ).scalar_one_or_none()
            if workflow is None:
                raise WorkflowNotFound(reference)
            if workflow.latest_version == 0:
                raise WorkflowNotPublished(reference)
            version = session.execute(
                select(WorkflowVersion).where(
                    col(WorkflowVersion.workflow_id) == workflow.id,
                    col(WorkflowVersion.version) == workflow.latest_version,
                )
            ).scalar_one()
            return dict(version.document)
