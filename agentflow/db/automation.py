"""Schedules and their claimed ticks, outgoing event subscriptions and deliveries,
and in-app notifications. Every table carries ``org_id``.

Exactly-once ticks rest on ``schedule_ticks``' primary key (schedule, tick time):
whoever inserts the row first owns the tick, every other worker's insert does nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from agentflow.db.models import utcnow


def _when(nullable: bool = True, index: bool = False) -> Any:
    return Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index)
    )


def _ref(table: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> Any:
    return Field(
        default=None,
        sa_column=Column(
            ForeignKey(f"{table}.id", ondelete=ondelete), nullable=nullable, index=True
        ),
    )


class Schedule(SQLModel, table=True):
    """A schedule trigger node of a workflow's latest published version."""

    __tablename__ = "schedules"
    __table_args__ = (
        UniqueConstraint("workflow_id", "node_id", name="uq_schedule_workflow_node"),
        Index("ix_schedules_due", "enabled", "next_run_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_id: uuid.UUID = _ref("organizations")
    workflow_id: uuid.UUID = _ref("workflows")
    node_id: str = Field(max_length=64)
    cron: str = Field(max_length=200)
    timezone: str = Field(max_length=64)
    enabled: bool = True
    # Why the schedule is not running ("" while enabled): paused by someone, or
    # disabled by the system (the run could not start, too many failed runs).
    paused_reason: str = Field(default="", max_length=500)
    next_run_at: datetime | None = _when()
    last_tick_at: datetime | None = _when()
    last_run_id: uuid.UUID | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ScheduleTick(SQLModel, table=True):
    """One claimed tick. The primary key is what makes a tick fire at most once."""

    __tablename__ = "schedule_ticks"

    schedule_id: uuid.UUID = Field(
        sa_column=Column(
            ForeignKey("schedules.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    tick_at: datetime = Field(sa_column=Column(DateTime(timezone=True), primary_key=True))
    org_id: uuid.UUID = _ref("organizations")
    run_id: uuid.UUID | None = _ref("runs", nullable=True, ondelete="SET NULL")
    # "on_time", "catch_up" (a missed tick run once) or "error" (no run could start).
    kind: str = Field(default="on_time", max_length=16)
    error: str | None = Field(default=None, max_length=2000)
    claimed_by: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class EventSubscription(SQLModel, table=True):
    """A URL an organisation wants told about some events, with its signing secret."""

    __tablename__ = "event_subscriptions"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_id: uuid.UUID = _ref("organizations")
    url: str = Field(max_length=2000)
    description: str = Field(default="", max_length=200)
    events: list[str] = Field(default=None, sa_column=Column(JSONB, nullable=False))
    enabled: bool = True
    # AES-GCM ciphertext of the signing secret (it must be readable to sign with it).
    secret_nonce: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    secret_ciphertext: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class EventDelivery(SQLModel, table=True):
    """One event sent (or to be sent) to one subscription, with every attempt's outcome."""

    __tablename__ = "event_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "dedupe_key", name="uq_delivery_dedupe"),
        Index("ix_event_deliveries_due", "status", "next_attempt_at"),
        Index("ix_event_deliveries_org_created", "org_id", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_id: uuid.UUID = _ref("organizations")
    subscription_id: uuid.UUID = _ref("event_subscriptions")
    event: str = Field(max_length=64)
    # The same for every subscription that receives one emission: receivers dedupe on it.
    event_id: uuid.UUID
    payload: dict[str, Any] = Field(default=None, sa_column=Column(JSONB, nullable=False))
    # pending → sending → succeeded, or → retrying → … → failed.
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime | None = _when()
    # While "sending": a worker died mid-send when this passes, and the send is retried.
    claimed_until: datetime | None = _when()
    response_code: int | None = None
    latency_ms: int | None = None
    last_error: str | None = Field(default=None, max_length=2000)
    dedupe_key: str | None = Field(default=None, max_length=200)
    redelivery_of: uuid.UUID | None = None
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = _when()


class Notification(SQLModel, table=True):
    """An in-app notice for an organisation: failed runs, waiting approvals, alerts."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_org_created", "org_id", "created_at"),
        # One notice per dedupe key and organisation; keyless notices are never merged.
        Index(
            "uq_notifications_dedupe",
            "org_id",
            "dedupe_key",
            unique=True,
            postgresql_where=text("dedupe_key IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    org_id: uuid.UUID = _ref("organizations")
    kind: str = Field(max_length=64)
    title: str = Field(max_length=300)
    body: str = Field(default="", max_length=4000)
    link: str = Field(default="", max_length=500)
    dedupe_key: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = _when()
