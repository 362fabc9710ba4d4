"""Runs: validate and store, execute, decide approvals, and describe a run.

Shared by the CLI (``agentflow run``), the API and the worker. Every lookup is
scoped by organisation: another org's run id is as missing as an unknown one.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from agentflow.db.engine import session_scope
from agentflow.db.run_store import (
    PostgresApprovalInbox,
    PostgresRecorder,
    PostgresWorkflowLoader,
    executed_seconds,
)
from agentflow.db.runs import ApprovalDecisionRow, Run, Step
from agentflow.db.tenancy import get_in_org
from agentflow.engine.masking import SecretMasker
from agentflow.engine.ports import EngineDeps, RunRecorder, StepError, StepRecord
from agentflow.engine.run import RunExecution, RunOutcome
from agentflow.errors import AgentFlowError, Conflict, NotFound
from agentflow.nodes.registry import NODE_TYPES
from agentflow.spec import safe_input
from agentflow.spec.models import Document
from agentflow.spec.problems import Problem
from agentflow.spec.validation import validate_document, validate_run_input


class InvalidRunRequest(AgentFlowError):
    """The document or the input is invalid; ``problems`` lists every issue."""

    type = "invalid_run_request"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(problem.message for problem in problems[:5]))

    @property
    def details(self) -> Any:
        return {"problems": [problem.to_dict() for problem in self.problems]}


class RunNotFound(NotFound):
    what = "run"

    def __init__(self, run_id: str) -> None:
        super().__init__(f"run {run_id} was not found")


class StepNotWaiting(Conflict):
    def __init__(self, node: str) -> None:
        super().__init__(f"step {node!r} is not waiting for a decision")


class StepAlreadyDecided(StepNotWaiting):
    """A decision for this step is already recorded (and perhaps being applied)."""

    def __init__(self, node: str, by: str | None = None) -> None:
        super().__init__(node)
        who = f" by {by}" if by else ""
        self.message = (
            f"step {node!r} was already decided{who}; that decision is being applied, "
            "so this one was not recorded"
        )
        self.args = (self.message,)


def check_request(raw_document: Mapping[str, Any], run_input: Any) -> Document:
    """Validate a document and a run input together, reporting every problem at once."""
    problems = validate_document(raw_document, NODE_TYPES)
    if problems:
        raise InvalidRunRequest(problems)
    document = Document.model_validate(raw_document)
    input_problems = validate_run_input(document, run_input)
    if input_problems:
        raise InvalidRunRequest(input_problems)
    return document


def create_run(
    database_url: str,
    raw_document: Mapping[str, Any],
    run_input: Any,
    *,
    org_id: uuid.UUID,
    trigger: str = "manual",
    workflow_id: uuid.UUID | None = None,
    workflow_version: int | None = None,
) -> uuid.UUID:
    """Validate, then store a queued run with the exact document it will execute
    (``workflow_version``: the published version it is, None for a draft)."""
    check_request(raw_document, run_input)
    run = Run(
        org_id=org_id,
        workflow_id=workflow_id,
        workflow_version=workflow_version,
        document=dict(raw_document),
        input=run_input,
        trigger=trigger,
        status="queued",
    )
    with session_scope(database_url) as session:
        session.add(run)
        session.flush()
        return run.id


def _load_run(session: Any, run_id: uuid.UUID, org_id: uuid.UUID) -> Run:
    run = get_in_org(session, Run, run_id, org_id=org_id)
    if run is None:
        raise RunNotFound(str(run_id))
    return run


def _records(steps: list[Step]) -> dict[str, StepRecord]:
    return {
        step.node_id: StepRecord(
            node=step.node_id,
            status=step.status,  # type: ignore[arg-type]
            attempts=step.attempts,
            started_at=step.started_at,
            finished_at=step.finished_at,
            input=step.input,
            output=step.output,
            error=StepError(**step.error) if step.error else None,
            prompt_tokens=step.prompt_tokens,
            completion_tokens=step.completion_tokens,
            cost_usd=float(step.cost_usd),
            model=step.model,
            provider=step.provider,
            handles=list(step.handles or []),
            wait_until=step.wait_until,
        )
        for step in steps
    }


@dataclass
class StoredRun:
    document: Document
    run_input: Any
    started_at: datetime | None
    previous: dict[str, StepRecord]
    # Time spent executing so far (waits excluded): what the run deadline measures.
    executed_s: float


def _stored(database_url: str, run_id: uuid.UUID, org_id: uuid.UUID) -> StoredRun:
    with session_scope(database_url) as session:
        run = _load_run(session, run_id, org_id)
        steps = session.execute(select(Step).where(Step.run_id == run_id)).scalars().all()  # type: ignore[arg-type]
        # Validated when the run was created; the stored copy is exactly what runs.
        document = Document.model_validate(run.document)
        executed = executed_seconds(session, run_id)
        return StoredRun(document, run.input, run.started_at, _records(list(steps)), executed)


class _Fanout:
    """Sends every transition to the durable recorder, then to an observer (live view)."""

    def __init__(self, durable: RunRecorder, observer: RunRecorder | None) -> None:
        self.durable = durable
        self.observer = observer

    async def step_changed(self, run_id: str, step: StepRecord) -> None:
        await self.durable.step_changed(run_id, step)
        if self.observer:
            await self.observer.step_changed(run_id, step)

    async def run_changed(self, run_id: str, status: Any, **details: Any) -> None:
        await self.durable.run_changed(run_id, status, **details)
        if self.observer:
            await self.observer.run_changed(run_id, status, **details)


async def execute_run(
    database_url: str,
    run_id: uuid.UUID,
    *,
    org_id: uuid.UUID,
    secrets: Mapping[str, str] | None = None,
    model_access: Mapping[str, Mapping[str, str]] | None = None,
    allow_hosts: tuple[str, ...] = (),
    observer: RunRecorder | None = None,
    cancel: asyncio.Event | None = None,
    fencing_token: int | None = None,
    on_event: Callable[[uuid.UUID, int], Awaitable[None]] | None = None,
    suspend_long_waits: bool = False,
    inline_wait_max_s: float = 5.0,
) -> RunOutcome:
    """Execute (or resume) a stored run in this process; finished steps are not redone.

    A worker passes the fencing token of its lease, so that every write is refused
    once another worker has taken the run over.
    """
    stored = await asyncio.to_thread(_stored, database_url, run_id, org_id)
    secrets = dict(secrets or {})
    recorder = PostgresRecorder(
        database_url,
        org_id,
        SecretMasker(secrets.values()),
        fencing_token=fencing_token,
        on_event=on_event,
    )
    deps = EngineDeps(
        recorder=_Fanout(recorder, observer),
        approvals=PostgresApprovalInbox(database_url, org_id),
        node_types=NODE_TYPES,
        workflows=PostgresWorkflowLoader(database_url),
        secrets=secrets,
        model_access=dict(model_access or {}),
        allow_hosts=allow_hosts,
        org_id=str(org_id),
        suspend_long_waits=suspend_long_waits,
        inline_wait_max_s=inline_wait_max_s,
    )
    execution = RunExecution(stored.document, run_id=str(run_id), deps=deps)
    started_at = stored.started_at or datetime.now().astimezone()
    return await execution.execute(
        stored.run_input,
        started_at=started_at,
        executed_s=stored.executed_s,
        previous=stored.previous,
        cancel=cancel,
    )


def decide_approval(
    database_url: str,
    run_id: uuid.UUID,
    node: str,
    *,
    approved: bool,
    by: str | None = None,
    comment: str | None = None,
    org_id: uuid.UUID,
) -> None:
    """Record a decision on a waiting approval step; the caller then resumes the run."""
    for field, text in (("comment", comment), ("by", by)):
        problem = safe_input.text_problem(text) if text else None
        if problem:
            raise InvalidRunRequest([Problem.at_field(field, f"{field} {problem}")])
    try:
        with session_scope(database_url) as session:
            # The run row lock makes concurrent decisions on one run take turns, so the
            # second sees the first one's row instead of colliding with it.
            if get_in_org(session, Run, run_id, org_id=org_id, for_update=True) is None:
                raise RunNotFound(str(run_id))
            step = session.execute(
                select(Step).where(Step.run_id == run_id, Step.node_id == node)  # type: ignore[arg-type]
            ).scalar_one_or_none()
            if step is None or step.status != "waiting":
                raise StepNotWaiting(node)
            earlier = session.execute(
                select(ApprovalDecisionRow).where(
                    ApprovalDecisionRow.run_id == run_id,  # type: ignore[arg-type]
                    ApprovalDecisionRow.node_id == node,  # type: ignore[arg-type]
                )
            ).scalar_one_or_none()
            if earlier is not None:
                raise StepAlreadyDecided(node, earlier.decided_by)
            session.add(
                ApprovalDecisionRow(
                    org_id=org_id,
                    run_id=run_id,
                    node_id=node,
                    approved=approved,
                    decided_by=by,
                    comment=comment,
                )
            )
            session.flush()
    except IntegrityError as exc:  # a decision from a session that took no run lock
        raise StepAlreadyDecided(node) from exc


def _timestamp(value: datetime | None) -> str | None:
    return value.isoformat(timespec="microseconds") if value else None


def describe_run(database_url: str, run_id: uuid.UUID, *, org_id: uuid.UUID) -> dict[str, Any]:
    """The format's run object (``agentflow run --json``), for any run, finished or not."""
    with session_scope(database_url) as session:
        run = _load_run(session, run_id, org_id)
        steps = session.execute(
            select(Step).where(Step.run_id == run_id).order_by(Step.started_at)  # type: ignore[arg-type]
        ).scalars()
        return {
            "run_id": str(run.id),
            "status": run.status,
            # The published version it runs (None for a draft or an ad-hoc document).
            "workflow_version": run.workflow_version,
            "output": run.output,
            "error": run.error,
            "started_at": _timestamp(run.started_at),
            "finished_at": _timestamp(run.finished_at),
            "prompt_tokens": run.prompt_tokens,
            "completion_tokens": run.completion_tokens,
            "cost_usd": float(run.cost_usd),
            "steps": [
                {
                    "node": step.node_id,
                    "status": step.status,
                    "attempts": step.attempts,
                    "started_at": _timestamp(step.started_at),
                    "finished_at": _timestamp(step.finished_at),
                    "input": step.input,
                    "output": step.output,
                    "error": step.error,
                    "prompt_tokens": step.prompt_tokens,
                    "completion_tokens": step.completion_tokens,
                    "cost_usd": float(step.cost_usd),
                }
                for step in steps
            ],
        }
