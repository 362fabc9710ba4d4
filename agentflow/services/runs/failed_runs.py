"""Failed runs: a filtered list (failed and timed out) and bulk rerun.

A bulk rerun starts, for each selected run, a new run of the same document and
input from the step that failed (every step upstream of it is reused, as with
a single rerun); a run that failed before any step did is rerun from its start.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from agentflow.db.engine import session_scope
from agentflow.db.runs import Run, Step
from agentflow.db.tenancy import get_in_org
from agentflow.errors import InvalidInput
from agentflow.services.governance.budgets import BudgetExceeded
from agentflow.services.runs import dispatch
from agentflow.services.runs.lifecycle import InvalidRunRequest, RunNotFound
from agentflow.services.runs.queries import RunPage, run_conditions, select_page
from agentflow.services.tenancy.permissions import Action, Actor, require

FAILED_STATUSES = ("failed", "timed_out")
MAX_BULK = 100
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class FailedFilter:
    workflow_id: uuid.UUID | None = None
    trigger: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    error: str = ""  # text the error's type or message contains
    page: int = 1
    page_size: int = 50


@dataclass
class BulkRerun:
    started: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)  # (old, new)
    refused: list[tuple[uuid.UUID, str]] = field(default_factory=list)  # (old, why)


def _conditions(actor: Actor, filters: FailedFilter) -> list[Any]:
    conditions = run_conditions(actor.org_id, filters.workflow_id, filters.since, filters.until)
    conditions.append(col(Run.status).in_(FAILED_STATUSES))
    if filters.trigger:
        conditions.append(col(Run.trigger) == filters.trigger)
    if filters.error.strip():
        text = f"%{filters.error.strip()}%"
        conditions.append(
            col(Run.error)["type"].astext.ilike(text) | col(Run.error)["message"].astext.ilike(text)
        )
    return conditions


def list_failed(database_url: str, actor: Actor, filters: FailedFilter) -> RunPage:
    require(actor, Action.RUN_READ)
    if filters.page < 1 or not 1 <= filters.page_size <= MAX_PAGE_SIZE:
        raise InvalidInput("page starts at 1 and page_size is 1 to 200")
    conditions = _conditions(actor, filters)
    with session_scope(database_url) as session:
        total, rows = select_page(session, conditions, filters.page, filters.page_size)
        failed_nodes = _failed_nodes(session, [run.id for run, _ in rows])
        return RunPage(
            [
                {
                    "run_id": str(run.id),
                    "workflow": name or run.document.get("name") or "(ad hoc)",
                    "status": run.status,
                    "trigger": run.trigger,
                    "created_at": run.created_at,
                    "error_type": (run.error or {}).get("type") or "",
                    "error": (run.error or {}).get("message") or "",
                    "failed_node": failed_nodes.get(run.id, ""),
                }
                for run, name in rows
            ],
            total,
            filters.page,
            filters.page_size,
        )


def _failed_nodes(session: Any, run_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each run's first unhandled failed step (routed failures let the run go on)."""
    if not run_ids:
        return {}
    steps = session.execute(
        select(col(Step.run_id), col(Step.node_id), col(Step.status), col(Step.handles))
        .where(col(Step.run_id).in_(run_ids), col(Step.status).in_(("failed", "running")))
        .order_by(col(Step.started_at))
    ).all()
    found: dict[uuid.UUID, str] = {}
    for run_id, node_id, _status, handles in steps:
        if not handles and run_id not in found:
            found[run_id] = node_id
    return found


def _rerun_node(database_url: str, run_id: uuid.UUID, org_id: uuid.UUID) -> str:
    with session_scope(database_url) as session:
        run = get_in_org(session, Run, run_id, org_id=org_id)
        if run is None:
            raise RunNotFound(str(run_id))
        if run.status not in FAILED_STATUSES:
            raise InvalidInput(f"the run {run.status.replace('_', ' ')}: only failed runs")
        failed = _failed_nodes(session, [run_id]).get(run_id)
        if failed:
            return failed
        triggers = [n["id"] for n in run.document.get("nodes") or [] if n["type"] == "trigger"]
        return triggers[0] if triggers else str(run.document["nodes"][0]["id"])


async def bulk_rerun(
    database_url: str, queue: Any, actor: Actor, run_ids: list[uuid.UUID]
) -> BulkRerun:
    """Rerun each failed run from its failed step; a run that cannot be is reported."""
    require(actor, Action.RUN_START)
    unique = list(dict.fromkeys(run_ids))
    if not unique:
        raise InvalidInput("select at least one run")
    if len(unique) > MAX_BULK:
        raise InvalidInput(f"rerun at most {MAX_BULK} runs at once")
    result = BulkRerun()
    for run_id in unique:
        try:
            node = await asyncio.to_thread(_rerun_node, database_url, run_id, actor.org_id)
            new_id = await dispatch.rerun_from(
                database_url, queue, run_id, node, actor=actor, details={"bulk": True}
            )
        except (
            RunNotFound,
            InvalidInput,
            InvalidRunRequest,
            BudgetExceeded,
            dispatch.RunNotRerunnable,
        ) as exc:
            result.refused.append((run_id, exc.message))
            continue
        result.started.append((run_id, new_id))
    return result
