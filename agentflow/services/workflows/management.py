"""Stored workflows: a draft the builder edits, and numbered published versions.

Every lookup goes through :func:`_owned`, scoped by organisation: another org's
workflow id gets the same ``WorkflowNotFound`` as a missing one. Everything stored
is checked first (:func:`_storable`, :func:`_clean_name`): a document within the
size limit of imports, text without NUL characters or lone surrogates, nesting
PostgreSQL and the engine can handle. A refusal leaves nothing changed.
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
from agentflow.db.models import utcnow
from agentflow.db.runs import Run, Workflow, WorkflowVersion
from agentflow.db.tenancy import get_in_org
from agentflow.errors import AgentFlowError, InvalidInput, WorkflowNotFound
from agentflow.nodes.registry import NODE_TYPES
from agentflow.services.delivery.automation_hooks import after_publish
from agentflow.spec import safe_input
from agentflow.spec.errors import DocumentError
from agentflow.spec.loading import load_raw
from agentflow.spec.models import FORMAT
from agentflow.spec.problems import Problem
from agentflow.spec.validation import document_size_problem, validate_document

__all__ = ["InvalidWorkflow", "WorkflowNotFound"]

SUCCESS_RATE_WINDOW = 50
MAX_NAME_LENGTH = 200


class InvalidWorkflow(AgentFlowError):
    """The document cannot be imported or published; ``problems`` lists every issue."""

    type = "invalid_workflow"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems[:5]))

    @property
    def details(self) -> Any:
        return {"problems": [problem.to_dict() for problem in self.problems]}


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
    _check_text("name", cleaned)
    return cleaned


def _check_text(field: str, value: str) -> None:
    problem = safe_input.text_problem(value)
    if problem is not None:
        raise InvalidWorkflow([Problem.at_field(field, problem)])


def _storable(document: dict[str, Any]) -> dict[str, Any]:
    """``document``, or InvalidWorkflow when it cannot be stored: over the size limit
    of imports (``MAX_DOCUMENT_BYTES``), nested too deeply, or with text PostgreSQL
    refuses. Its other problems are the validator's (a draft may be unfinished)."""
    try:
        safe_input.check_data(document)
    except safe_input.UnsafeInput as exc:
        raise InvalidWorkflow([exc.problem("document")]) from None
    too_large = document_size_problem(document)
    if too_large is not None:
        raise InvalidWorkflow([too_large])
    return document


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
    org_id: uuid.UUID,
    search: str = "",
    status: Literal["draft", "published"] | None = None,
) -> list[WorkflowSummary]:
    problem = safe_input.text_problem(search)
    if problem is not None:
        raise InvalidInput(f"search: {problem}")
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
    org_id: uuid.UUID,
    description: str = "",
    document: dict[str, Any] | None = None,
) -> uuid.UUID:
    """The one way a workflow is made (blank, imported, duplicated, from a template)."""
    name = _clean_name(name)
    _check_text("description", description)
    draft = _storable(dict(document)) if document is not None else blank_document(name)
    draft["name"] = name
    workflow = Workflow(org_id=org_id, name=name, description=description, document=draft)
    with session_scope(database_url) as session:
        session.add(workflow)
        session.flush()
        return workflow.id


def parse_upload(source: str | bytes) -> dict[str, Any]:
    """A pasted or uploaded file (JSON or YAML) as a valid document, or InvalidWorkflow."""
    if isinstance(source, str):  # bytes: strict UTF-8 has no lone surrogates
        _check_text("source", source)
    try:
        raw = load_raw(source)
    except DocumentError as exc:
        raise InvalidWorkflow(exc.problems) from None
    problems = validate_document(_storable(raw), NODE_TYPES)
    if problems:
        raise InvalidWorkflow(problems)
    return raw


def import_workflow(database_url: str, source: str | bytes, *, org_id: uuid.UUID) -> uuid.UUID:
    """Validate first: nothing is stored when the file has problems."""
    raw = parse_upload(source)
    return create_workflow(
        database_url,
        str(raw["name"]),
        org_id=org_id,
        description=str(raw.get("description") or ""),
        document=raw,
    )


def get_draft(database_url: str, workflow_id: uuid.UUID, *, org_id: uuid.UUID) -> dict[str, Any]:
    with session_scope(database_url) as session:
        return dict(_owned(session, workflow_id, org_id).document)


def workflow_name(database_url: str, workflow_id: uuid.UUID, *, org_id: uuid.UUID) -> str:
    with session_scope(database_url) as session:
        return _owned(session, workflow_id, org_id).name


def save_draft(
    database_url: str,
    workflow_id: uuid.UUID,
    document: dict[str, Any],
    *,
    org_id: uuid.UUID,
) -> list[Problem]:
    """Store the draft as it is (a draft may be unfinished) and return its problems."""
    return update_workflow(database_url, workflow_id, document=document, org_id=org_id)


def rename(database_url: str, workflow_id: uuid.UUID, name: str, *, org_id: uuid.UUID) -> None:
    update_workflow(database_url, workflow_id, name=name, org_id=org_id)


def update_workflow(
    database_url: str,
    workflow_id: uuid.UUID,
    *,
    name: str | None = None,
    document: dict[str, Any] | None = None,
    org_id: uuid.UUID,
) -> list[Problem]:
    """Rename, save the draft, or both: all or nothing. Both are checked before either
    is written, then written in one transaction, so a refused draft (too large, say)
    leaves the old name too. Returns the saved draft's problems (``[]`` for a rename)."""
    if name is None and document is None:
        raise InvalidWorkflow([Problem.at_field("document", "give a name, a document or both")])
    cleaned = _clean_name(name) if name is not None else None
    draft = _storable(document) if document is not None else None
    with session_scope(database_url) as session:
        workflow = _owned(session, workflow_id, org_id)
        if cleaned is not None:
            workflow.name = cleaned
        kept = workflow.document if draft is None else draft
        workflow.document = {**kept, "name": workflow.name}
        workflow.updated_at = utcnow()
    return validate_document(document, NODE_TYPES) if document is not None else []


def duplicate(database_url: str, workflow_id: uuid.UUID, *, org_id: uuid.UUID) -> uuid.UUID:
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


def delete(database_url: str, workflow_id: uuid.UUID, *, org_id: uuid.UUID) -> None:
    """Deletes the workflow and its versions; its runs stay, detached, for the record."""
    with session_scope(database_url) as session:
        session.delete(_owned(session, workflow_id, org_id))


def export(
    database_url: str,
    workflow_id: uuid.UUID,
    *,
    org_id: uuid.UUID,
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
    org_id: uuid.UUID,
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
        problems = validate_document(workflow.document, NODE_TYPES)
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
