"""Firing schedules: claim due ticks exactly once and create their runs.

Every worker calls :func:`claim_due` every few seconds. Two things make a tick
fire once however many workers and web processes there are:

1. due schedules are locked with ``FOR UPDATE SKIP LOCKED``: two workers never
   handle the same schedule at the same moment, and the winner moves
   ``next_run_at`` past the tick before it commits;
2. the tick itself is claimed by ``INSERT INTO schedule_ticks ... ON CONFLICT DO
   NOTHING`` on (schedule, tick time), in the same transaction as the run it
   creates. A next time written back by a process with a slow clock (a publish
   recomputing it) can therefore never fire an already fired tick again.

"Now" is the database's clock, so workers with skewed clocks agree.

Missed ticks (every worker was down, or the pool was too busy): a tick more than
``schedule_misfire_grace_s`` late is missed. ``schedule_missed_ticks`` decides:
``skip`` drops them, ``run_once`` starts a single catch-up run for the latest one,
however many were missed. Either way the schedule then continues from now.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col

from agentflow.db.automation import Schedule, ScheduleTick
from agentflow.db.engine import session_scope
from agentflow.db.models import utcnow
from agentflow.db.runs import Run, Workflow, WorkflowVersion
from agentflow.errors import Conflict
from agentflow.services.delivery import notifications
from agentflow.services.governance.budgets import BudgetExceeded
from agentflow.services.runs.gate import check_can_run
from agentflow.services.runs.lifecycle import InvalidRunRequest, check_request
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import SystemSource, system_actor
from agentflow.spec.cron import InvalidSchedule, latest_at_or_before, next_time, parse

log = logging.getLogger("agentflow.scheduler")
MissedTicks = Literal["skip", "run_once"]


def scheduled_input(document: dict[str, Any], node_id: str) -> dict[str, Any]:
    """The input a schedule's runs get: its trigger's ``input``, else ``{}``."""
    for node in document.get("nodes") or []:
        if node.get("id") == node_id:
            value = (node.get("config") or {}).get("input")
            return dict(value) if isinstance(value, dict) else {}
    return {}


@dataclass
class Fired:
    """What one round did: runs to enqueue, and what was skipped or disabled."""

    run_ids: list[uuid.UUID] = field(default_factory=list)
    skipped: list[uuid.UUID] = field(default_factory=list)  # schedules whose tick was missed
    disabled: list[tuple[uuid.UUID, uuid.UUID, str]] = field(default_factory=list)


class CannotStart(Conflict):
    """The schedule's workflow cannot start a run now (unpublished, invalid, over budget)."""


def _new_run(database_url: str, session: Any, schedule: Schedule) -> Run:
    workflow = session.get(Workflow, schedule.workflow_id)
    if workflow is None or workflow.latest_version == 0:
        raise CannotStart("the workflow has no published version")
    version = session.execute(
        select(WorkflowVersion).where(
            col(WorkflowVersion.workflow_id) == workflow.id,
            col(WorkflowVersion.version) == workflow.latest_version,
        )
    ).scalar_one()
    run_input = scheduled_input(version.document, schedule.node_id)
    try:
        check_request(version.document, run_input)
        # The same gate as every other start: budgets and the org's secrets.
        check_can_run(database_url, schedule.org_id, workflow.id, version.document)
    except (InvalidRunRequest, BudgetExceeded) as exc:
        raise CannotStart(f"the scheduled run could not start: {exc.message}") from None
    run = Run(
        org_id=schedule.org_id,
        workflow_id=workflow.id,
        workflow_version=version.version,
        document=dict(version.document),
        input=run_input,
        trigger="schedule",
        status="queued",
    )
    session.add(run)
    session.flush()
    return run


def _fire(
    database_url: str,
    session: Any,
    schedule: Schedule,
    tick: datetime,
    kind: str,
    worker: str,
    fired: Fired,
) -> None:
    claimed = session.execute(
        insert(ScheduleTick)
        .values(
            schedule_id=schedule.id,
            tick_at=tick,
            org_id=schedule.org_id,
            kind=kind,
            claimed_by=worker[:200],
            created_at=text("now()"),
        )
        .on_conflict_do_nothing()
        .returning(col(ScheduleTick.tick_at))
    ).scalar_one_or_none()
    if claimed is None:
        return  # this tick already fired
    savepoint = session.begin_nested()
    try:
        run = _new_run(database_url, session, schedule)
    except CannotStart as exc:
        savepoint.rollback()
        _record_error(session, schedule, tick, exc.message, fired)
        return
    savepoint.commit()
    audit.record(
        session,
        system_actor(schedule.org_id, SystemSource.SCHEDULE),
        "run.start",
        target_type="run",
        target_id=run.id,
        details={"trigger": "schedule", "schedule": str(schedule.id), "tick": tick.isoformat()},
    )
    session.execute(_tick(schedule, tick).values(run_id=run.id))
    schedule.last_tick_at, schedule.last_run_id = tick, run.id
    fired.run_ids.append(run.id)


def _tick(schedule: Schedule, tick: datetime) -> Any:
    return update(ScheduleTick).where(
        col(ScheduleTick.schedule_id) == schedule.id, col(ScheduleTick.tick_at) == tick
    )


def _record_error(
    session: Any, schedule: Schedule, tick: datetime, message: str, fired: Fired
) -> None:
    session.execute(_tick(schedule, tick).values(kind="error", error=message[:2000]))
    schedule.last_tick_at = tick
    disable(schedule, message)
    fired.disabled.append((schedule.org_id, schedule.id, message))


def disable(schedule: Schedule, reason: str) -> None:
    """Stop a schedule (the caller holds its row lock) and say why."""
    schedule.enabled = False
    schedule.next_run_at = None
    schedule.paused_reason = f"disabled: {reason}"[:500]
    schedule.updated_at = utcnow()


def claim_due(
    database_url: str,
    *,
    worker: str = "",
    missed_ticks: MissedTicks = "run_once",
    grace_s: float = 60.0,
    limit: int = 100,
    now: datetime | None = None,
) -> Fired:
    """Claim every due tick (at most ``limit`` schedules) and create their queued runs.

    The caller enqueues ``run_ids`` after this returns (committed); if it dies
    first, the reaper finds the queued runs without a queue entry and enqueues them.
    """
    fired = Fired()
    with session_scope(database_url) as session:
        moment = now or session.execute(text("SELECT now()")).scalar_one()
        due = session.execute(
            select(Schedule)
            .where(col(Schedule.enabled).is_(True), col(Schedule.next_run_at) <= moment)
            .order_by(col(Schedule.next_run_at))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).scalars()
        for schedule in list(due):
            try:
                spec = parse(schedule.cron, schedule.timezone)
            except InvalidSchedule as exc:
                disable(schedule, exc.message)
                fired.disabled.append((schedule.org_id, schedule.id, exc.message))
                continue
            latest = latest_at_or_before(spec, moment)
            if moment - latest <= timedelta(seconds=grace_s):
                _fire(database_url, session, schedule, latest, "on_time", worker, fired)
            elif missed_ticks == "run_once":
                _fire(database_url, session, schedule, latest, "catch_up", worker, fired)
            else:
                fired.skipped.append(schedule.id)
                log.info("schedule %s: skipped missed ticks up to %s", schedule.id, latest)
            if schedule.enabled:
                schedule.next_run_at = next_time(spec, moment)
    for org_id, schedule_id, reason in fired.disabled:
        announce_disabled(database_url, org_id, schedule_id, reason)
    return fired


def announce_disabled(
    database_url: str, org_id: uuid.UUID, schedule_id: uuid.UUID, reason: str
) -> None:
    with session_scope(database_url) as session:
        row = session.execute(
            select(col(Workflow.name), col(Schedule.updated_at))
            .join(Schedule, col(Schedule.workflow_id) == col(Workflow.id))
            .where(col(Schedule.id) == schedule_id)
        ).one_or_none()
    name, when = (row[0], row[1]) if row else ("a workflow", None)
    notifications.notify(
        database_url,
        org_id,
        "schedule.disabled",
        f"The schedule of “{name}” was disabled",
        body=reason,
        link="/schedules",
        dedupe_key=f"schedule.disabled:{schedule_id}:{when.isoformat() if when else ''}",
    )
