"""Schedules: the ``schedule`` trigger nodes of each workflow's latest published version.

Publishing calls :func:`sync_for_workflow`, which makes the stored schedules match
the new version (new nodes get an enabled schedule, changed ones a new next time,
removed ones go). People list them, see their description and next five times,
and pause or resume them. Firing is agentflow.services.triggers.scheduler's job.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col

from agentflow.db.automation import Schedule
from agentflow.db.engine import session_scope
from agentflow.db.models import utcnow
from agentflow.db.runs import Run, Workflow, WorkflowVersion
from agentflow.db.tenancy import get_in_org
from agentflow.errors import NotFound
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import Action, Actor, require
from agentflow.spec.cron import CronSpec, InvalidSchedule, describe, next_time, next_times, parse


class ScheduleNotFound(NotFound):
    what = "schedule"


@dataclass(frozen=True)
class ScheduleInfo:
    id: uuid.UUID
    workflow_id: uuid.UUID
    workflow_name: str
    node_id: str
    cron: str
    timezone: str
    description: str
    enabled: bool
    paused_reason: str
    next_run_at: datetime | None
    upcoming: list[datetime]  # the next five times (empty while paused)
    last_tick_at: datetime | None
    last_run_id: uuid.UUID | None
    last_run_status: str | None


@dataclass(frozen=True)
class Preview:
    """What the builder shows under a schedule trigger's fields."""

    ok: bool
    description: str = ""
    upcoming: tuple[datetime, ...] = ()
    error: str = ""


def preview(cron: str, timezone: str = "UTC", *, now: datetime | None = None) -> Preview:
    try:
        spec = parse(cron, timezone)
    except InvalidSchedule as exc:
        return Preview(ok=False, error=exc.message)
    return Preview(ok=True, description=describe(spec), upcoming=tuple(next_times(spec, now)))


def schedule_nodes(document: dict[str, Any]) -> dict[str, CronSpec]:
    """node id → spec, for every valid schedule trigger of a (published) document."""
    found = {}
    for node in document.get("nodes") or []:
        config = node.get("config") or {}
        if node.get("type") == "trigger" and config.get("kind") == "schedule":
            try:
                found[str(node["id"])] = parse(
                    str(config.get("cron") or ""), str(config.get("timezone") or "UTC")
                )
            except InvalidSchedule:
                continue  # publishing validated it; an unparsable one cannot be scheduled
    return found


def sync_for_workflow(
    database_url: str, org_id: uuid.UUID, workflow_id: uuid.UUID, *, now: datetime | None = None
) -> None:
    """Make the workflow's schedules match its latest published version.

    Safe to run concurrently from several web processes: rows are upserted and the
    scheduler's tick key makes a recomputed next time that was already fired harmless.
    """
    now = now or datetime.now(UTC)
    with session_scope(database_url) as session:
        workflow = get_in_org(session, Workflow, workflow_id, org_id=org_id)
        if workflow is None or workflow.latest_version == 0:
            return
        version = session.execute(
            select(WorkflowVersion).where(
                col(WorkflowVersion.workflow_id) == workflow_id,
                col(WorkflowVersion.version) == workflow.latest_version,
            )
        ).scalar_one()
        wanted = schedule_nodes(version.document)
        session.execute(
            delete(Schedule).where(
                col(Schedule.workflow_id) == workflow_id,
                col(Schedule.node_id).not_in(list(wanted)),
            )
        )
        for node_id, spec in wanted.items():
            session.execute(
                insert(Schedule)
                .values(
                    id=uuid.uuid4(),
                    org_id=org_id,
                    workflow_id=workflow_id,
                    node_id=node_id,
                    cron=spec.cron,
                    timezone=spec.timezone,
                    enabled=True,
                    paused_reason="",
                    next_run_at=next_time(spec, now),
                    created_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing(constraint="uq_schedule_workflow_node")
            )
            row = session.execute(
                select(Schedule)
                .where(col(Schedule.workflow_id) == workflow_id, col(Schedule.node_id) == node_id)
                .with_for_update()
            ).scalar_one()
            if (row.cron, row.timezone) != (spec.cron, spec.timezone):
                row.cron, row.timezone = spec.cron, spec.timezone
                row.next_run_at = next_time(spec, now) if row.enabled else None
                row.updated_at = now


def _infos(session: Any, rows: list[tuple[Schedule, str]]) -> list[ScheduleInfo]:
    run_ids = [row.last_run_id for row, _ in rows if row.last_run_id]
    statuses = dict(
        session.execute(select(col(Run.id), col(Run.status)).where(col(Run.id).in_(run_ids))).all()
    )
    infos = []
    for row, name in rows:
        spec = CronSpec(row.cron, parse(row.cron, row.timezone).expression, row.timezone)
        infos.append(
            ScheduleInfo(
                id=row.id,
                workflow_id=row.workflow_id,
                workflow_name=name,
                node_id=row.node_id,
                cron=row.cron,
                timezone=row.timezone,
                description=describe(spec),
                enabled=row.enabled,
                paused_reason=row.paused_reason,
                next_run_at=row.next_run_at if row.enabled else None,
                upcoming=next_times(spec) if row.enabled else [],
                last_tick_at=row.last_tick_at,
                last_run_id=row.last_run_id,
                last_run_status=statuses.get(row.last_run_id),
            )
        )
    return infos


def list_schedules(
    database_url: str, actor: Actor, *, workflow_id: uuid.UUID | None = None
) -> list[ScheduleInfo]:
    require(actor, Action.WORKFLOW_READ)
    query = (
        select(Schedule, col(Workflow.name))
        .join(Workflow, col(Workflow.id) == col(Schedule.workflow_id))
        .where(col(Schedule.org_id) == actor.org_id)
    )
    if workflow_id is not None:
        query = query.where(col(Schedule.workflow_id) == workflow_id)
    with session_scope(database_url) as session:
        rows = session.execute(query.order_by(col(Workflow.name), col(Schedule.node_id))).all()
        return _infos(session, [(row, name) for row, name in rows])


def set_enabled(
    database_url: str, actor: Actor, schedule_id: uuid.UUID, enabled: bool
) -> ScheduleInfo:
    """Pause or resume. Ticks that fall while paused are not caught up on resuming."""
    require(actor, Action.SCHEDULE_MANAGE)
    with session_scope(database_url) as session:
        row = get_in_org(session, Schedule, schedule_id, org_id=actor.org_id, for_update=True)
        if row is None:
            raise ScheduleNotFound()
        if row.enabled != enabled:
            row.enabled = enabled
            row.paused_reason = "" if enabled else f"paused by {actor.label or 'a member'}"
            spec = parse(row.cron, row.timezone)
            row.next_run_at = next_time(spec, utcnow()) if enabled else None
            row.updated_at = utcnow()
            audit.record(
                session,
                actor,
                "schedule.resume" if enabled else "schedule.pause",
                target_type="schedule",
                target_id=row.id,
                details={"workflow_id": str(row.workflow_id), "node": row.node_id},
            )
        name = session.get(Workflow, row.workflow_id)
        return _infos(session, [(row, name.name if name else "")])[0]
