"""Published versions of a workflow: list, read, publish, compare, roll back.

A workflow has one draft (``workflows.document``) and numbered versions
(``workflow_versions``), each immutable once stored, with its author, time and
message. Publishing validates first (``workflows.publish``). Rolling back
publishes an old version's document again as the newest version, and makes it
the draft, so editing goes on from what now runs. Triggers (webhooks, schedules)
run the latest published version: :func:`runnable_document` finds it.

Every lookup is scoped by the actor's organisation: another org's workflow id is
as missing as an unknown one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from agentflow.db.engine import session_scope
from agentflow.db.runs import Workflow, WorkflowVersion
from agentflow.db.tenancy import get_in_org
from agentflow.errors import NotFound, WorkflowNotFound, WorkflowNotPublished
from agentflow.nodes.registry import NODE_TYPES
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import Action, Actor, require
from agentflow.services.triggers import webhooks
from agentflow.services.workflows import management as workflows
from agentflow.spec.diff import DocumentDiff, comparison_canvas, diff_documents

DRAFT: Literal["draft"] = "draft"
VersionRef = int | Literal["draft"]
MAX_MESSAGE_LENGTH = 500


class VersionNotFound(NotFound):
    what = "workflow version"


@dataclass(frozen=True)
class VersionInfo:
    version: int
    message: str
    author: str
    created_at: datetime
    node_count: int
    latest: bool


def _workflow(session: Session, actor: Actor, workflow_id: uuid.UUID) -> Workflow:
    workflow = get_in_org(session, Workflow, workflow_id, org_id=actor.org_id)
    if workflow is None:
        raise WorkflowNotFound(str(workflow_id))
    return workflow


def _version_row(session: Session, workflow: Workflow, version: int) -> WorkflowVersion:
    row = session.execute(
        select(WorkflowVersion).where(
            col(WorkflowVersion.org_id) == workflow.org_id,
            col(WorkflowVersion.workflow_id) == workflow.id,
            col(WorkflowVersion.version) == version,
        )
    ).scalar_one_or_none()
    if row is None:
        raise VersionNotFound()
    return row


def list_versions(database_url: str, actor: Actor, workflow_id: uuid.UUID) -> list[VersionInfo]:
    """Newest first."""
    require(actor, Action.WORKFLOW_READ)
    with session_scope(database_url) as session:
        workflow = _workflow(session, actor, workflow_id)
        rows = session.execute(
            select(WorkflowVersion)
            .where(
                col(WorkflowVersion.org_id) == actor.org_id,
                col(WorkflowVersion.workflow_id) == workflow.id,
            )
            .order_by(col(WorkflowVersion.version).desc())
        ).scalars()
        return [
            VersionInfo(
                version=row.version,
                message=row.message,
                author=row.author,
                created_at=row.created_at,
                node_count=len(row.document.get("nodes") or []),
                latest=row.version == workflow.latest_version,
            )
            for row in rows
        ]


def _document(session: Session, workflow: Workflow, ref: VersionRef) -> dict[str, Any]:
    if ref == DRAFT:
        return dict(workflow.document)
    return dict(_version_row(session, workflow, int(ref)).document)


def get_document(
    database_url: str, actor: Actor, workflow_id: uuid.UUID, ref: VersionRef
) -> dict[str, Any]:
    """One version's document (or the draft's)."""
    require(actor, Action.WORKFLOW_READ)
    with session_scope(database_url) as session:
        return _document(session, _workflow(session, actor, workflow_id), ref)


def _pair(
    database_url: str, actor: Actor, workflow_id: uuid.UUID, old: VersionRef, new: VersionRef
) -> tuple[dict[str, Any], dict[str, Any]]:
    require(actor, Action.WORKFLOW_READ)
    with session_scope(database_url) as session:
        workflow = _workflow(session, actor, workflow_id)
        return _document(session, workflow, old), _document(session, workflow, new)


def diff(
    database_url: str, actor: Actor, workflow_id: uuid.UUID, old: VersionRef, new: VersionRef
) -> DocumentDiff:
    """What changed from ``old`` to ``new`` (version numbers or ``"draft"``)."""
    return diff_documents(*_pair(database_url, actor, workflow_id, old, new))


def comparison(
    database_url: str, actor: Actor, workflow_id: uuid.UUID, old: VersionRef, new: VersionRef
) -> tuple[DocumentDiff, dict[str, Any]]:
    """The diff and the read-only canvas graph that highlights it."""
    before, after = _pair(database_url, actor, workflow_id, old, new)
    return diff_documents(before, after), comparison_canvas(before, after, NODE_TYPES)


def _published(
    database_url: str,
    actor: Actor,
    workflow_id: uuid.UUID,
    *,
    message: str,
    document: dict[str, Any] | None,
    details: dict[str, Any],
) -> int:
    require(actor, Action.WORKFLOW_PUBLISH)
    version = workflows.publish(
        database_url,
        workflow_id,
        org_id=actor.org_id,
        message=message[:MAX_MESSAGE_LENGTH],
        author=actor.label,
        document=document,
    )
    audit.record(
        database_url,
        actor,
        "workflow.publish",
        target_type="workflow",
        target_id=workflow_id,
        details={"version": version, **details},
    )
    webhooks.prepare_endpoint(database_url, actor.org_id, workflow_id)
    return version


def publish(database_url: str, actor: Actor, workflow_id: uuid.UUID, message: str = "") -> int:
    """Validate the draft and publish it as the next version; returns its number."""
    return _published(database_url, actor, workflow_id, message=message, document=None, details={})


def rollback(
    database_url: str, actor: Actor, workflow_id: uuid.UUID, version: int, message: str = ""
) -> int:
    """Publish ``version``'s document again as the newest version (validated again:
    node types may have changed since) and make it the draft; returns the new number."""
    require(actor, Action.WORKFLOW_PUBLISH)
    with session_scope(database_url) as session:
        document = _document(session, _workflow(session, actor, workflow_id), version)
    return _published(
        database_url,
        actor,
        workflow_id,
        message=message.strip() or f"Rollback to version {version}",
        document=document,
        details={"rollback_to": version},
    )


@dataclass(frozen=True)
class Runnable:
    version: int | None  # None: the draft
    document: dict[str, Any]


def runnable_document(
    database_url: str, org_id: uuid.UUID, workflow_id: uuid.UUID, version: int | None = None
) -> Runnable:
    """The document a run of this workflow executes: ``version``, or the latest
    published one. WorkflowNotPublished when there is none yet."""
    with session_scope(database_url) as session:
        workflow = get_in_org(session, Workflow, workflow_id, org_id=org_id)
        if workflow is None:
            raise WorkflowNotFound(str(workflow_id))
        if version is None:
            if workflow.latest_version == 0:
                raise WorkflowNotPublished(str(workflow_id))
            version = workflow.latest_version
        return Runnable(version, dict(_version_row(session, workflow, version).document))
