"""PostgreSQL implementations of the engine's ports (agentflow.engine.ports)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from agentflow.db.engine import session_scope
from agentflow.db.runs import ApprovalDecisionRow, Run, Step, Workflow
from agentflow.engine.masking import SecretMasker
from agentflow.engine.ports import (
    TERMINAL_RUN_STATUSES,
    ApprovalDecision,
    RunStatus,
    StepError,
    StepRecord,
)


class WorkflowNotFound(Exception):
    def __init__(self, reference: str) -> None:
        self.message = f"workflow {reference!r} was not found in this organisation"
        super().__init__(self.message)


@dataclass
class PostgresRecorder:
    """Writes every step and run transition; secrets are masked before they are stored."""

    database_url: str
    org_id: uuid.UUID
    masker: SecretMasker

    async def step_changed(self, run_id: str, step: StepRecord) -> None:
        await asyncio.to_thread(self._save_step, uuid.UUID(run_id), step)

    async def run_changed(
        self, run_id: str, status: RunStatus, *, output: Any = None, error: StepError | None = None
    ) -> None:
        await asyncio.to_thread(self._save_run, uuid.UUID(run_id), status, output, error)

    def _save_step(self, run_id: uuid.UUID, step: StepRecord) -> None:
        mask = self.masker.mask
        values: dict[str, Any] = {
            "status": step.status,
            "attempts": step.attempts,
            "started_at": step.started_at,
            "finished_at": step.finished_at,
            "input": mask(step.input),
            "output": mask(step.output),
            "error": mask(step.error.as_dict()) if step.error else None,
            "handles": step.handles,
            "wait_until": step.wait_until,
            "prompt_tokens": step.prompt_tokens,
            "completion_tokens": step.completion_tokens,
            "cost_usd": step.cost_usd,
        }
        statement = insert(Step).values(
            id=uuid.uuid4(), org_id=self.org_id, run_id=run_id, node_id=step.node, **values
        )
        statement = statement.on_conflict_do_update(constraint="uq_steps_run_node", set_=values)
        with session_scope(self.database_url) as session:
            session.execute(statement)

    def _save_run(
        self, run_id: uuid.UUID, status: RunStatus, output: Any, error: StepError | None
    ) -> None:
        with session_scope(self.database_url) as session:
            run = session.get(Run, run_id, with_for_update=True)
            if run is None or run.org_id != self.org_id:
                raise LookupError(f"run {run_id} does not exist")
            run.status = status
            now = func.now()
            if status == "running" and run.started_at is None:
                run.started_at = now  # type: ignore[assignment]
            if status in TERMINAL_RUN_STATUSES:
                run.finished_at = now  # type: ignore[assignment]
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
            workflow = session.execute(query.limit(1)).scalar_one_or_none()
            if workflow is None:
                raise WorkflowNotFound(reference)
            return dict(workflow.document)
