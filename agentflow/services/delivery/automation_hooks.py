"""The two places the rest of the platform calls into schedules, events and notices.

- :func:`after_publish`, from ``workflows.publish``: sync the workflow's schedules
  and emit ``workflow.published``.
- :func:`after_run_settled`, from the worker when a run job ends: emit
  ``run.succeeded`` / ``run.failed`` / ``run.waiting``, notify failed runs and
  waiting approvals, and disable a schedule whose scheduled runs keep failing.

Both are idempotent (dedupe keys per run, status and node), since a run can be
resumed and settle into the same status more than once.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from agentflow.db.automation import Schedule, ScheduleTick
from agentflow.db.engine import session_scope
from agentflow.db.runs import Run, Step, Workflow
from agentflow.services.delivery import notifications, outgoing
from agentflow.services.triggers import scheduler, schedules
from agentflow.settings import get_settings

FAILED = ("failed", "timed_out")
MAX_OUTPUT_BYTES = 64 * 1024


def after_publish(
    database_url: str,
    org_id: uuid.UUID,
    workflow_id: uuid.UUID,
    version: int,
    *,
    message: str = "",
    author: str = "",
) -> None:
    schedules.sync_for_workflow(database_url, org_id, workflow_id)
    with session_scope(database_url) as session:
        workflow = session.get(Workflow, workflow_id)
        name = workflow.name if workflow else ""
    outgoing.emit_once(
        database_url,
        org_id,
        "workflow.published",
        {
            "workflow_id": str(workflow_id),
            "workflow_name": name,
            "version": version,
            "message": message,
            "author": author,
            "url": f"{get_settings().base_url}/workflows/{workflow_id}",
        },
        dedupe_key=f"workflow.published:{workflow_id}:{version}",
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _payload(run: Run, workflow_name: str) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "run_id": str(run.id),
        "workflow_id": str(run.workflow_id) if run.workflow_id else None,
        "workflow_name": workflow_name,
        "workflow_version": run.workflow_version,
        "status": run.status,
        "trigger": run.trigger,
        "error": run.error,
        "created_at": _iso(run.created_at),
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "cost_usd": float(run.cost_usd),
        "url": f"{get_settings().base_url}/executions/{run.id}",
    }
    if run.status == "succeeded":
        # Large outputs stay in the API (GET /api/v1/runs/{id}); events stay small.
        small = len(json.dumps(run.output, default=str)) <= MAX_OUTPUT_BYTES
        payload["output"] = run.output if small else None
        payload["output_truncated"] = not small
    return payload


def _waiting_approvals(session: Any, run: Run) -> list[dict[str, str]]:
    approvals = {
        node["id"]: node for node in run.document.get("nodes") or [] if node["type"] == "approval"
    }
    waiting = session.execute(
        select(col(Step.node_id), col(Step.input)).where(
            col(Step.run_id) == run.id, col(Step.status) == "waiting"
        )
    ).all()
    found = []
    for node_id, step_input in waiting:
        if node_id in approvals:
            message = step_input.get("message") if isinstance(step_input, dict) else None
            found.append({"node": node_id, "message": str(message or "")})
    return found


def after_run_settled(database_url: str, run_id: uuid.UUID) -> None:
    """Announce a run that has just succeeded, failed or started waiting."""
    with session_scope(database_url) as session:
        run = session.get(Run, run_id)
        if run is None:
            return
        workflow = session.get(Workflow, run.workflow_id) if run.workflow_id else None
        name = workflow.name if workflow else str(run.document.get("name") or "ad hoc run")
        payload = _payload(run, name)
        waiting = _waiting_approvals(session, run) if run.status == "waiting" else []
        org, status, trigger, run_error = run.org_id, run.status, run.trigger, run.error
    link = f"/executions/{run_id}"
    if status == "succeeded":
        outgoing.emit_once(database_url, org, "run.succeeded", payload, f"run.succeeded:{run_id}")
    elif status in FAILED:
        outgoing.emit_once(database_url, org, "run.failed", payload, f"run.failed:{run_id}")
        error = (run_error or {}).get("message") or status.replace("_", " ")
        notifications.notify(
            database_url,
            org,
            "run.failed",
            f"“{name}” failed",
            body=str(error)[:500],
            link=link,
            dedupe_key=f"run.failed:{run_id}",
        )
        if trigger == "schedule":
            _check_schedule_failures(database_url, run_id)
    for approval in waiting:
        key = f"run.waiting:{run_id}:{approval['node']}"
        data = {**payload, "waiting_for": approval}
        outgoing.emit_once(database_url, org, "run.waiting", data, key)
        notifications.notify(
            database_url,
            org,
            "run.waiting",
            f"“{name}” waits for an approval",
            body=approval["message"][:500],
            link=link,
            dedupe_key=key,
        )


def _check_schedule_failures(database_url: str, run_id: uuid.UUID) -> None:
    """Disable a schedule whose last N scheduled runs all failed (N from the settings)."""
    limit = get_settings().schedule_max_consecutive_failures
    if limit <= 0:
        return
    reason, org_id = "", None
    with session_scope(database_url) as session:
        schedule_id = session.execute(
            select(col(ScheduleTick.schedule_id)).where(col(ScheduleTick.run_id) == run_id)
        ).scalar_one_or_none()
        schedule = session.get(Schedule, schedule_id, with_for_update=True) if schedule_id else None
        if schedule is None or not schedule.enabled:
            return
        statuses = (
            session.execute(
                select(col(Run.status))
                .join(ScheduleTick, col(ScheduleTick.run_id) == col(Run.id))
                .where(col(ScheduleTick.schedule_id) == schedule.id)
                .order_by(col(ScheduleTick.tick_at).desc())
                .limit(limit)
            )
            .scalars()
            .all()
        )
        if len(statuses) == limit and all(status in FAILED for status in statuses):
            reason = f"its last {limit} scheduled runs failed"
            scheduler.disable(schedule, reason)
            org_id = schedule.org_id
    if reason and org_id is not None and schedule_id is not None:
        scheduler.announce_disabled(database_url, org_id, schedule_id, reason)
