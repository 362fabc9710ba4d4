"""Stored workflows: a draft the builder edits, and numbered published versions.

Every lookup goes through :func:`_owned`, scoped by organisation: another org's
workflow id gets the same ``WorkflowNotFound`` as a missing one.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from agentflow.db.engine import session_scope
from agentflow.db.models import LOCAL_ORG_ID, utcnow
from agentflow.db.run_store import WorkflowNotFound
from agentflow.db.runs import Run, Workflow, WorkflowVersion
from agentflow.db.tenancy import get_in_org
from agentflow.services.automation_hooks import after_publish
from agentflow.spec.errors import DocumentError
from agentflow.spec.loading import load_raw
from agentflow.spec.models import FORMAT
from agentflow.spec.problems import Problem
from agentflow.spec.validation import validate_document

__all__ = ["InvalidWorkflow", "WorkflowNotFound"]

SUCCESS_RATE_WINDOW = 50
MAX_NAME_LENGTH = 200


class InvalidWorkflow(Exception):
    """The document cannot be imported or published; ``problems`` lists every issue."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.message = "; ".join(str(problem) for problem in problems[:5])
        super().__init__(self.message)


@dataclass
class WorkflowSummary:
    id: str
    name: str
    description: str
    status: Literal["draft", "published"]
    latest_version: int
    node_count: int
    updated_at: datetime
    last_run_at: datetime | None
    last_run_status: str | None
    success_rate: float | None  # over the last 50 finished runs; None when there are none


def blank_document(name: str) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "name": name,
        "inputs": {"type": "object", "properties": {}},
        "nodes": [
            {
                "id": "start",
                "type": "trigger",
                "name": "Start",
                "config": {"kind": "manual"},
                "position": {"x": 0, "y": 0},
            }
        ],
        "edges": [],
    }


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidWorkflow([Problem.at_field("name", "a workflow needs a name")])
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidWorkflow(
            [Problem.at_field("name", f"names are at most {MAX_NAME_LENGTH} characters")]
        )
    return cleaned


def _owned(session: Session, workflow_id: uuid.UUID, org_id: uuid.UUID) -> Workflow:
    workflow = get_in_org(session, Workflow, workflow_id, org_id=org_id)
    if workflow is None:
        raise WorkflowNotFound(str(workflow_id))
    return workflow


def _summaries(session: Session, workflows: list[Workflow]) -> list[WorkflowSummary]:
    ids = [workflow.id for workflow in workflows]
    recent = (
        select(
            col(Run.workflow_id),
            col(Run.status),
            col(Run.created_at),
            func.row_number()
            .over(partition_by=col(Run.workflow_id), order_by=col(Run.created_at).desc())
            .label("rank"),
        )
        .where(col(Run.workflow_id).in_(ids))
        .subquery()
    )
    rows = session.execute(
        select(recent).where(recent.c.rank <= SUCCESS_RATE_WINDOW).order_by(recent.c.rank)
    ).all()
    by_workflow: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        by_workflow.setdefault(row.workflow_id, []).append(row)
    summaries = []
    for workflow in workflows:
        runs = by_workflow.get(workflow.id, [])
        finished = [r for r in runs if r.status in ("succeeded", "failed", "timed_out")]
        rate = sum(r.status == "succeeded" for r in finished) / len(finished) if finished else None
        summaries.append(
            WorkflowSummary(
                id=str(workflow.id),
                name=workflow.name,
                description=workflow.description,
                status="published" if workflow.latest_version else "draft",
                latest_version=workflow.latest_version,
                node_count=len(workflow.document.get("nodes") or []),
                updated_at=workflow.updated_at,
                last_run_at=runs[0].created_at if runs else None,
                last_run_status=runs[0].status if runs else None,
                success_rate=rate,
            )
        )
    return summaries


def list_workflows(
    database_url: str,
    *,
    org_id: uuid.UUID = LOCAL_ORG_ID,
    search: str = "",
    status: Literal["draft", "published"] | None = None,
) -> list[WorkflowSummary]:
    with session_scope(database_url) as session:
        query = select(Workflow).where(col(Workflow.org_id) == org_id)
        if search.strip():
            pattern = f"%{search.strip()}%"
            query = query.where(
                col(Workflow.name).ilike(pattern) | col(Workflow.description).ilike(pattern)
            )
        if status == "draft":
            query = query.where(col(Workflow.latest_version) == 0)
        elif status == "published":
            query = query.where(col(Workflow.latest_version) > 0)
        workflows = list(session.execute(query.order_by(col(Workflow.updated_at).desc())).scalars())
        return _summaries(session, workflows)


def create_workflow(
    database_url: str,
    name: str,
    *,
    org_id: uuid.UUID = LOCAL_ORG_ID,
    description: str = "",
    document: dict[str, Any] | None = None,
) -> uuid.UUID:
    name = _clean_name(name)
    draft = dict(document) if document is not None else blank_document(name)
    draft["name"] = name
    workflow = Workflow(org_id=org_id, name=name, description=description, document=draft)
    with session_scope(database_url) as session:
        session.add(workflow)
        session.flush()
        return workflow.id


def parse_upload(source: str | bytes) -> dict[str, Any]:
    """A pasted or uploaded file (JSON or YAML) as a valid document, or InvalidWorkflow."""
    try:
        raw = load_raw(source)
    except DocumentError as exc:
        raise InvalidWorkflow(exc.problems) from None
    problems = validate_document(raw)
    if problems:
        raise InvalidWorkflow(problems)
    return raw


def import_workflow(
    database_url: str, source: str | bytes, *, org_id: uuid.UUID = LOCAL_ORG_ID
) -> uuid.UUID:
    """Validate first: nothing is stored when the file has problems."""
    raw = parse_upload(source)
    return create_workflow(
        database_url,
        str(raw["name"]),
        org_id=org_id,
        description=str(raw.get("description") or ""),
        document=raw,
    )


def get_draft(
    database_url: str, workflow_id: uuid.UUID, *, org_id: uuid.UUID = LOCAL_ORG_ID
) -> dict[str, Any]:
    with session_scope(database_url) as session:
        return dict(_owned(session, workflow_id, org_id).document)


def save_draft(
    database_url: str,
    workflow_id: uuid.UUID,
    document: dict[str, Any],
    *,
    org_id: uuid.UUID = LOCAL_ORG_ID,
) -> list[Problem]:
    """Store the draft as it is (a draft may be unfinished) and return its problems."""
    if len(json.dumps(document)) > 1024 * 1024:
        raise InvalidWorkflow([Problem.at_field("document", "documents are limited to 1 MiB")])
    with session_scope(database_url) as session:
        workflow = _owned(session, workflow_id, org_id)
        workflow.document = {**document, "name": workflow.name}
        workflow.updated_at = utcnow()
    return validate_document(document)


def rename(
    database_url: str, workflow_id: uuid.UUID, name: str, *, org_id: uuid.UUID = LOCAL_ORG_ID
) -> None:
    name = _clean_name(name)
    with session_scope(database_url) as session:
        workflow = _owned(session, workflow_id, org_id)
        workflow.name = name
        workflow.document = {**workflow.document, "name": name}
        workflow.updated_at = utcnow()


def duplicate(
    database_url: str, workflow_id: uuid.UUID, *, org_id: uuid.UUID = LOCAL_ORG_ID
) -> uuid.UUID:
    with session_scope(database_url) as session:
        original = _owned(session, workflow_id, org_id)
        name, description, document = original.name, original.description, original.document
    return create_workflow(
        database_url,
        f"Copy of {name}"[:MAX_NAME_LENGTH],
        org_id=org_id,
        description=description,
        document=document,
    )


def delete(database_url: str, workflow_id: uuid.UUID, *, org_id: uuid.UUID = LOCAL_ORG_ID) -> None:
    """Deletes the workflow and its versions; its runs stay, detached, for the record."""
    with session_scope(database_url) as session:
        session.delete(_owned(session, workflow_id, org_id))


def export(
    database_url: str,
    workflow_id: uuid.UUID,
    *,
    org_id: uuid.UUID = LOCAL_ORG_ID,
    syntax: Literal["json", "yaml"] = "json",
) -> str:
    document = get_draft(database_url, workflow_id, org_id=org_id)
    if syntax == "yaml":
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def publish(
    database_url: str,
    workflow_id: uuid.UUID,
    *,
    org_id: uuid.UUID = LOCAL_ORG_ID,
    message: str = "",
    author: str = "",
    document: dict[str, Any] | None = None,
) -> int:
    """Validate the draft and store it as the next immutable version; returns its number.

    With ``document`` (a rollback), that document is published instead, under the
    workflow's current name, and becomes the draft too.
    """
    with session_scope(database_url) as session:
        workflow = get_in_org(session, Workflow, workflow_id, org_id=org_id, for_update=True)
        if workflow is None:
            raise WorkflowNotFound(str(workflow_id))
        if document is not None:
            workflow.document = {**document, "name": workflow.name}
            workflow.updated_at = utcnow()
        problems = validate_document(workflow.document)
        if problems:
            raise InvalidWorkflow(problems)
        workflow.latest_version += 1
        session.add(
            WorkflowVersion(
                org_id=org_id,
                workflow_id=workflow.id,
                version=workflow.latest_version,
                document=workflow.document,
                message=message[:500],
                author=author[:200],
            )
        )
        version = workflow.latest_version
    # After the commit: schedules follow the new version, subscribers hear of it.
    after_publish(database_url, org_id, workflow_id, version, message=message, author=author)
    return version
