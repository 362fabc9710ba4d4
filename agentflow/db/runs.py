"""Workflows, runs, steps and approval decisions. Every table carries ``org_id``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Numeric,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from agentflow.db.models import utcnow


def _json(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(JSONB, nullable=nullable))


def _when(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable))


def _org() -> Any:
    return Field(
        sa_column=Column(
            ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )


class Workflow(SQLModel, table=True):
    __tablename__ = "workflows"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_id: uuid.UUID = _org()
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    # The draft: what the builder edits and autosaves.
    document: dict[str, Any] = _json(nullable=False)
    # Number of the newest published version; 0 while the workflow is a draft only.
    latest_version: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class WorkflowVersion(SQLModel, table=True):
    """A published version: validated when published, never changed afterwards."""

    __tablename__ = "workflow_versions"
    __table_args__ = (UniqueConstraint("workflow_id", "version", name="uq_workflow_version"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_id: uuid.UUID = _org()
    workflow_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("workflows.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    version: int
    document: dict[str, Any] = _json(nullable=False)
    message: str = Field(default="", max_length=500)
    author: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class Run(SQLModel, table=True):
    __tablename__ = "runs"
    # The reaper looks for unowned or expired runs and for waiting runs due to wake;
    # analytics reads the runs finished since its last rollup (agentflow/analytics).
    __table_args__ = (
        Index("ix_runs_status_lease", "status", "lease_expires_at"),
        Index("ix_runs_org_finished", "org_id", "finished_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_id: uuid.UUID = _org()
    workflow_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(
            ForeignKey("workflows.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    parent_run_id: uuid.UUID | None = Field(default=None, foreign_key="runs.id", index=True)
    # The published version this run executes (None for drafts and ad-hoc documents).
    workflow_version: int | None = None
    # The exact document this run executes: later edits of the workflow never change it.
    document: dict[str, Any] = _json(nullable=False)
    status: str = Field(default="queued", max_length=16, index=True)
    trigger: str = Field(default="manual", max_length=16)
    input: Any = _json()
    output: Any = _json()
    error: dict[str, Any] | None = _json()
    created_at: datetime = Field(default_factory=utcnow, index=True)
    started_at: datetime | None = _when()
    finished_at: datetime | None = _when()
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = Field(default=0.0, sa_column=Column(Numeric(14, 6), nullable=False))
    cancel_requested: bool = False
    # Ownership by one worker at a time: whoever holds an unexpired lease executes the
    # run; every write it makes is fenced by the token it got (see db/leases.py).
    lease_owner: str | None = Field(default=None, max_length=200)
    lease_expires_at: datetime | None = _when()
    fencing_token: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    # A waiting run (approval timeout, long delay) is resumed at this time.
    wake_at: datetime | None = _when()
    # The run deadline (settings.timeout_s) counts execution only: ``paused_at`` is when
    # the current wait began, ``waited_s`` the total of the waits that have ended.
    paused_at: datetime | None = _when()
    waited_s: float = Field(
        default=0.0, sa_column=Column(Float, nullable=False, server_default="0")
    )
    # The arq job last enqueued for this run: lets the reaper tell a run whose queue
    # entry was lost (Redis flushed or restored from an old snapshot) from a queued one.
    queue_job_id: str | None = Field(default=None, max_length=100)
    enqueued_at: datetime | None = _when()
    rerun_of: uuid.UUID | None = Field(default=None, foreign_key="runs.id")
    rerun_from: str | None = Field(default=None, max_length=64)


class Step(SQLModel, table=True):
    """One node of one run; one row per node, updated as its attempts progress."""

    __tablename__ = "steps"
    __table_args__ = (
        UniqueConstraint("run_id", "node_id", name="uq_steps_run_node"),
        Index("ix_steps_org_finished", "org_id", "finished_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_id: uuid.UUID = _org()
    run_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    node_id: str = Field(max_length=64)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    started_at: datetime | None = _when()
    finished_at: datetime | None = _when()
    input: Any = _json()
    output: Any = _json()
    error: dict[str, Any] | None = _json()
    handles: list[str] | None = _json()
    wait_until: datetime | None = _when()
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = Field(default=0.0, sa_column=Column(Numeric(14, 6), nullable=False))
    # The model that answered an llm step and its provider (litellm's name), for analytics.
    model: str | None = Field(default=None, max_length=200)
    provider: str | None = Field(default=None, max_length=64)


class ApprovalDecisionRow(SQLModel, table=True):
    __tablename__ = "approval_decisions"
    __table_args__ = (UniqueConstraint("run_id", "node_id", name="uq_approval_run_node"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_id: uuid.UUID = _org()
    run_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    node_id: str = Field(max_length=64)
    approved: bool
    decided_by: str | None = Field(default=None, max_length=200)
    comment: str | None = Field(default=None, max_length=4000)
    decided_at: datetime = Field(default_factory=utcnow)


class RunEvent(SQLModel, table=True):
    """Every run and step transition, with an increasing id a follower can resume from."""

    __tablename__ = "run_events"
    __table_args__ = (Index("ix_run_events_run_id_id", "run_id", "id"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    org_id: uuid.UUID = _org()
    run_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("runs.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=8)  # "run" or "step"
    node_id: str | None = Field(default=None, max_length=64)
    status: str = Field(max_length=16)
    data: dict[str, Any] | None = _json()
    created_at: datetime = Field(default_factory=utcnow)
