"""Analytics tables: hourly and daily rollups of runs and steps, budgets, alert rules
and the alert history. Every table carries ``org_id``.

Rollup rows are keyed by ``grain`` (``hour`` or ``day``) and ``bucket_start`` (a UTC
hour or UTC midnight). They are rebuilt idempotently by jobs/analytics.py up to a
watermark; readers add raw rows after it (see agentflow/analytics/facts.py).
Rollups keep no foreign key to workflows: the history outlives a deleted workflow.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Float, ForeignKey, Index, Numeric
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from agentflow.db.models import utcnow

GRAINS = ("hour", "day")


def _id() -> Any:
    return Field(default=None, sa_column=Column(BigInteger, primary_key=True))


def _when(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable))


def _big() -> Any:
    return Field(default=0, sa_column=Column(BigInteger, nullable=False))


def _money() -> Any:
    return Field(default=0.0, sa_column=Column(Numeric(18, 6), nullable=False))


def _float(nullable: bool = False) -> Any:
    return Field(default=None if nullable else 0.0, sa_column=Column(Float, nullable=nullable))


def _org() -> Any:
    return Field(
        sa_column=Column(ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False)
    )


class RunRollup(SQLModel, table=True):
    """Finished runs of one (hour or day, workflow, status)."""

    __tablename__ = "analytics_run_rollups"
    __table_args__ = (Index("ix_run_rollups_org_grain_bucket", "org_id", "grain", "bucket_start"),)

    id: int | None = _id()
    org_id: uuid.UUID = _org()
    grain: str = Field(max_length=4)
    bucket_start: datetime = _when()
    workflow_id: uuid.UUID | None = None
    status: str = Field(max_length=16)
    runs: int = _big()
    duration_count: int = _big()  # runs that started, so have a duration
    duration_ms_sum: float = _float()
    prompt_tokens: int = _big()
    completion_tokens: int = _big()
    cost_usd: float = _money()


class RunDurationRollup(SQLModel, table=True):
    """Histogram of one workflow's run durations: ``bin`` is agentflow.analytics.histogram's."""

    __tablename__ = "analytics_run_durations"
    # Read for one workflow at a time (the organisation-wide histogram is OrgDurationRollup).
    __table_args__ = (
        Index("ix_run_durations_org_wf_grain_bucket", "org_id", "workflow_id", "grain",
              "bucket_start"),
    )  # fmt: skip

    id: int | None = _id()
    org_id: uuid.UUID = _org()
    grain: str = Field(max_length=4)
    bucket_start: datetime = _when()
    workflow_id: uuid.UUID | None = None
    bin: int
    count: int = _big()


class StepRollup(SQLModel, table=True):
    """Finished steps of one (hour or day, workflow, node, status, error type, model)."""

    __tablename__ = "analytics_step_rollups"
    __table_args__ = (Index("ix_step_rollups_org_grain_bucket", "org_id", "grain", "bucket_start"),)

    id: int | None = _id()
    org_id: uuid.UUID = _org()
    grain: str = Field(max_length=4)
    bucket_start: datetime = _when()
    workflow_id: uuid.UUID | None = None
    node_id: str = Field(max_length=64)
    status: str = Field(max_length=16)
    error_type: str = Field(default="", max_length=64)
    model: str = Field(default="", max_length=200)
    provider: str = Field(default="", max_length=64)
    steps: int = _big()
    duration_count: int = _big()
    duration_ms_sum: float = _float()
    prompt_tokens: int = _big()
    completion_tokens: int = _big()
    cost_usd: float = _money()


class StepDurationRollup(SQLModel, table=True):
    __tablename__ = "analytics_step_durations"
    __table_args__ = (
        Index("ix_step_durations_org_wf_grain_bucket", "org_id", "workflow_id", "grain",
              "bucket_start"),
    )  # fmt: skip

    id: int | None = _id()
    org_id: uuid.UUID = _org()
    grain: str = Field(max_length=4)
    bucket_start: datetime = _when()
    workflow_id: uuid.UUID | None = None
    node_id: str = Field(max_length=64)
    bin: int
    count: int = _big()


class OrgDurationRollup(SQLModel, table=True):
    """Histogram of all the organisation's run durations: the dashboard's p50 and p95
    without a row per workflow."""

    __tablename__ = "analytics_org_durations"
    __table_args__ = (
        Index("ix_org_durations_org_grain_bucket", "org_id", "grain", "bucket_start"),
    )

    id: int | None = _id()
    org_id: uuid.UUID = _org()
    grain: str = Field(max_length=4)
    bucket_start: datetime = _when()
    bin: int
    count: int = _big()


class ModelRollup(SQLModel, table=True):
    """Steps per (hour or day, model, provider) across workflows: cost by model, tokens
    by provider and the organisation's spend, from a few rows per hour."""

    __tablename__ = "analytics_model_rollups"
    __table_args__ = (
        Index("ix_model_rollups_org_grain_bucket", "org_id", "grain", "bucket_start"),
    )

    id: int | None = _id()
    org_id: uuid.UUID = _org()
    grain: str = Field(max_length=4)
    bucket_start: datetime = _when()
    model: str = Field(default="", max_length=200)
    provider: str = Field(default="", max_length=64)
    steps: int = _big()
    prompt_tokens: int = _big()
    completion_tokens: int = _big()
    cost_usd: float = _money()


class RollupWatermark(SQLModel, table=True):
    """How far each grain is rolled up (exclusive) and, for hours, since when it is kept."""

    __tablename__ = "analytics_watermarks"

    grain: str = Field(primary_key=True, max_length=4)
    rolled_until: datetime = _when()
    kept_from: datetime = _when()
    updated_at: datetime = Field(default_factory=utcnow)


class Budget(SQLModel, table=True):
    """A monthly cost budget of an organisation (``scope_key`` "org") or of one workflow."""

    __tablename__ = "budgets"
    __table_args__ = (Index("uq_budgets_org_scope", "org_id", "scope_key", unique=True),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_id: uuid.UUID = _org()
    scope_key: str = Field(max_length=40)  # "org" or the workflow id
    workflow_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(ForeignKey("workflows.id", ondelete="CASCADE"), nullable=True),
    )
    monthly_limit_usd: float = Field(sa_column=Column(Numeric(14, 6), nullable=False))
    soft_threshold_pct: int = 80
    hard_stop: bool = True
    # The month ("2026-05") whose soft / hard notification was already sent.
    soft_notified_month: str = Field(default="", max_length=7)
    hard_notified_month: str = Field(default="", max_length=7)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class AlertRule(SQLModel, table=True):
    __tablename__ = "alert_rules"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_id: uuid.UUID = Field(
        sa_column=Column(
            ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    workflow_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(ForeignKey("workflows.id", ondelete="CASCADE"), nullable=True),
    )
    name: str = Field(max_length=200)
    metric: str = Field(max_length=32)  # failure_rate | p95_duration_s | cost_usd
    threshold: float = _float()
    window_minutes: int = 60
    min_runs: int = 1
    enabled: bool = True
    notify_in_app: bool = True
    notify_webhook: bool = False
    state: str = Field(default="ok", max_length=16)  # ok | firing
    last_value: float | None = _float(nullable=True)
    last_evaluated_at: datetime | None = _when(nullable=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class AlertEvent(SQLModel, table=True):
    """The alert history: rules that fired or resolved, budget thresholds crossed."""

    __tablename__ = "alert_events"
    __table_args__ = (Index("ix_alert_events_org_created", "org_id", "created_at"),)

    id: int | None = _id()
    org_id: uuid.UUID = _org()
    rule_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(ForeignKey("alert_rules.id", ondelete="SET NULL"), nullable=True),
    )
    budget_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(ForeignKey("budgets.id", ondelete="SET NULL"), nullable=True),
    )
    workflow_id: uuid.UUID | None = None
    kind: str = Field(max_length=32)  # triggered | resolved | budget_soft | budget_hard
    title: str = Field(max_length=300)
    message: str = Field(default="", max_length=2000)
    value: float | None = _float(nullable=True)
    threshold: float | None = _float(nullable=True)
    # Channels it was delivered to ("in_app", "webhook") or the reason it was not.
    delivery: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
