"""Analytics for people and API keys: the dashboard, one workflow's page, exports.

Every call checks ``analytics.read`` and reads only the actor's organisation; a
workflow of another organisation is as missing as an unknown one.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from agentflow.analytics.overview import overview as build_overview
from agentflow.analytics.periods import PRESETS, InvalidPeriod, Period, day_period, preset_period
from agentflow.analytics.workflow_detail import workflow_detail
from agentflow.db.engine import session_scope
from agentflow.db.runs import Run, Workflow
from agentflow.db.tenancy import get_in_org
from agentflow.errors import InvalidInput, WorkflowNotFound
from agentflow.services.tenancy.permissions import Action, Actor, require

MAX_EXPORT_RUNS = 100_000
OVERVIEW_DATASETS = (
    "summary", "runs_by_status", "cost_by_model", "cost_by_workflow", "tokens_by_provider",
    "durations", "workflows", "runs",
)  # fmt: skip
WORKFLOW_DATASETS = (
    "summary", "success_trend", "durations", "errors_by_type", "errors_by_node", "nodes", "runs",
)  # fmt: skip
FORMATS = ("csv", "json")


def period_of(
    preset: str = "7d", tz: str = "UTC", since: str | None = None, until: str | None = None
) -> Period:
    """A preset, or local days ``since``..``until`` (YYYY-MM-DD, both included)."""
    try:
        if since or until:
            if not (since and until):
                raise InvalidPeriod("give both since and until")
            return day_period(date.fromisoformat(since), date.fromisoformat(until), tz)
        if preset not in PRESETS or preset == "custom":
            raise InvalidPeriod(f"unknown preset {preset!r}")
        return preset_period(preset, tz)
    except InvalidPeriod as exc:
        raise InvalidInput(exc.message) from None
    except ValueError:
        raise InvalidInput("dates are YYYY-MM-DD") from None


def overview(database_url: str, actor: Actor, period: Period) -> dict[str, Any]:
    require(actor, Action.ANALYTICS_READ)
    with session_scope(database_url) as session:
        return build_overview(session, actor.org_id, period)


def _owned_workflow(session: Any, actor: Actor, workflow_id: uuid.UUID) -> Workflow:
    workflow = get_in_org(session, Workflow, workflow_id, org_id=actor.org_id)
    if workflow is None:
        raise WorkflowNotFound()
    return workflow


def workflow_analytics(
    database_url: str, actor: Actor, workflow_id: uuid.UUID, period: Period
) -> dict[str, Any]:
    require(actor, Action.ANALYTICS_READ)
    with session_scope(database_url) as session:
        workflow = _owned_workflow(session, actor, workflow_id)
        detail = workflow_detail(session, actor.org_id, workflow_id, period)
        return {"workflow": {"id": str(workflow.id), "name": workflow.name}, **detail}


def runs_table(
    database_url: str, actor: Actor, period: Period, workflow_id: uuid.UUID | None = None
) -> list[dict[str, Any]]:
    """The runs finished in the period (the rows behind the charts), newest first."""
    require(actor, Action.ANALYTICS_READ)
    with session_scope(database_url) as session:
        conditions = [
            col(Run.org_id) == actor.org_id,
            col(Run.finished_at) >= period.start,
            col(Run.finished_at) < period.end,
        ]
        if workflow_id is not None:
            _owned_workflow(session, actor, workflow_id)
            conditions.append(col(Run.workflow_id) == workflow_id)
        rows = session.execute(
            select(Run, col(Workflow.name))
            .outerjoin(Workflow, col(Workflow.id) == col(Run.workflow_id))
            .where(*conditions)
            .order_by(col(Run.finished_at).desc())
            .limit(MAX_EXPORT_RUNS)
        ).all()
        return [
            {
                "run_id": str(run.id),
                "workflow_id": str(run.workflow_id) if run.workflow_id else "",
                "workflow": name or "(ad hoc)",
                "status": run.status,
                "trigger": run.trigger,
                "started_at": run.started_at.isoformat() if run.started_at else "",
                "finished_at": run.finished_at.isoformat() if run.finished_at else "",
                "duration_ms": round((run.finished_at - run.started_at).total_seconds() * 1000, 3)
                if run.started_at and run.finished_at
                else None,
                "prompt_tokens": run.prompt_tokens,
                "completion_tokens": run.completion_tokens,
                "cost_usd": float(run.cost_usd),
            }
            for run, name in rows
        ]


def export(
    database_url: str,
    actor: Actor,
    period: Period,
    dataset: str,
    fmt: str,
    workflow_id: uuid.UUID | None = None,
) -> tuple[str, str, str]:
    """One chart's data (or the runs table) as (filename, media type, text)."""
    allowed = WORKFLOW_DATASETS if workflow_id else OVERVIEW_DATASETS
    if dataset not in allowed:
        raise InvalidInput(f"dataset: one of {', '.join(allowed)}")
    if fmt not in FORMATS:
        raise InvalidInput("format: csv or json")
    if dataset == "runs":
        rows: list[dict[str, Any]] = runs_table(database_url, actor, period, workflow_id)
    else:
        data = (
            workflow_analytics(database_url, actor, workflow_id, period)
            if workflow_id
            else overview(database_url, actor, period)
        )
        found = data[dataset]
        rows = [found] if isinstance(found, dict) else list(found)
    stem = f"agentflow-{dataset}-{period.start.date()}-{period.end.date()}"
    if fmt == "json":
        return f"{stem}.json", "application/json", json.dumps(rows, indent=2, default=str)
    return f"{stem}.csv", "text/csv", to_csv(rows)


def to_csv(rows: list[dict[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        # A leading =, +, - or @ would be run as a formula by spreadsheets.
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return "" if value is None else value
