"""Reading runs: filtered, paginated lists for the Executions page, the CLI and the API,
and what one run ran (its workflow, version and node labels) for the run page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from agentflow.db.engine import session_scope
from agentflow.db.runs import Run, Workflow
from agentflow.db.tenancy import get_in_org
from agentflow.nodes.registry import NODE_TYPES
from agentflow.services.runs.lifecycle import RunNotFound
from agentflow.spec.node_types import NodeCatalog

RUN_STATUSES = ("queued", "running", "waiting", "succeeded", "failed", "cancelled", "timed_out")
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class RunFilter:
    workflow_id: uuid.UUID | None = None
    status: str | None = None
    since: datetime | None = None  # created at or after
    until: datetime | None = None  # created before
    page: int = 1
    page_size: int = 25

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in RUN_STATUSES:
            raise ValueError(f"unknown run status {self.status!r}")
        if self.page < 1 or not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValueError("page starts at 1 and page_size is 1 to 200")


@dataclass
class RunPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _row(run: Run, workflow_name: str | None) -> dict[str, Any]:
    duration = None
    if run.started_at and run.finished_at:
        duration = (run.finished_at - run.started_at).total_seconds()
    return {
        "run_id": str(run.id),
        "workflow_id": str(run.workflow_id) if run.workflow_id else None,
        "workflow": workflow_name or run.document.get("name") or "(ad hoc)",
        "workflow_version": run.workflow_version,
        "status": run.status,
        "trigger": run.trigger,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "duration_s": duration,
        "cost_usd": float(run.cost_usd),
    }


def run_conditions(
    org_id: uuid.UUID,
    workflow_id: uuid.UUID | None,
    since: datetime | None,
    until: datetime | None,
) -> list[Any]:
    """The filters every run list has: the org, a workflow, and created in [since, until)."""
    conditions = [col(Run.org_id) == org_id]
    if workflow_id is not None:
        conditions.append(col(Run.workflow_id) == workflow_id)
    if since is not None:
        conditions.append(col(Run.created_at) >= since)
    if until is not None:
        conditions.append(col(Run.created_at) < until)
    return conditions


def select_page(
    session: Any, conditions: list[Any], page: int, page_size: int
) -> tuple[int, list[tuple[Run, str | None]]]:
    """How many runs match, and one page of them (newest first) with their workflow's name."""
    total = session.execute(select(func.count()).select_from(Run).where(*conditions)).scalar_one()
    rows = session.execute(
        select(Run, col(Workflow.name))
        .outerjoin(Workflow, col(Workflow.id) == col(Run.workflow_id))
        .where(*conditions)
        .order_by(col(Run.created_at).desc(), col(Run.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return int(total), [(run, name) for run, name in rows]


def query_runs(
    database_url: str, filters: RunFilter = RunFilter(), *, org_id: uuid.UUID
) -> RunPage:
    conditions = run_conditions(org_id, filters.workflow_id, filters.since, filters.until)
    if filters.status:
        conditions.append(col(Run.status) == filters.status)
    with session_scope(database_url) as session:
        total, rows = select_page(session, conditions, filters.page, filters.page_size)
        return RunPage(
            [_row(run, name) for run, name in rows], total, filters.page, filters.page_size
        )


def node_labels(document: dict[str, Any], catalog: NodeCatalog) -> dict[str, str]:
    """What people call each node of ``document``: its name, else its type's title (as
    the canvas shows it), else the bare type of a type this catalog does not know."""
    labels = {}
    for node in document.get("nodes", []):
        node_type = catalog.get(node.get("type", ""))
        title = node_type.title if node_type is not None else str(node.get("type", ""))
        labels[str(node["id"])] = node.get("name") or title
    return labels


def run_origin(database_url: str, run_id: uuid.UUID, *, org_id: uuid.UUID) -> dict[str, Any]:
    """What a run ran: its workflow (``workflow_id`` None for a document run as is, or
    once the workflow is deleted), the published version (None for a draft), and the
    label of each node in the exact document it ran."""
    with session_scope(database_url) as session:
        run = get_in_org(session, Run, run_id, org_id=org_id)
        if run is None:
            raise RunNotFound(str(run_id))
        workflow = (
            get_in_org(session, Workflow, run.workflow_id, org_id=org_id)
            if run.workflow_id
            else None
        )
        return {
            "workflow_id": str(workflow.id) if workflow else None,
            "workflow": workflow.name if workflow else run.document.get("name") or "(ad hoc)",
            "workflow_version": run.workflow_version,
            "node_labels": node_labels(run.document, NODE_TYPES),
        }
