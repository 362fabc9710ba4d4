"""Changing workflows as an actor: the use cases the API routes and the pages call.

Each checks the actor's permission, makes the change in the actor's organisation and
writes its audit entry, in one transaction (tenancy.acting.act): a refused change
leaves no audit row, a change whose audit entry cannot be written is not made.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from agentflow.db.accounts import AuditEvent
from agentflow.db.engine import unit_of_work
from agentflow.db.models import utcnow
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.acting import act
from agentflow.services.tenancy.permissions import Action, Actor, require
from agentflow.services.workflows import management
from agentflow.spec.problems import Problem

TARGET = "workflow"


def create(
    database_url: str,
    actor: Actor,
    name: str,
    *,
    description: str = "",
    document: dict[str, Any] | None = None,
) -> uuid.UUID:
    return act(
        database_url,
        actor,
        Action.WORKFLOW_WRITE,
        "workflow.create",
        lambda: management.create_workflow(
            database_url, name, org_id=actor.org_id, description=description, document=document
        ),
        target_type=TARGET,
        details={"name": name[:200]},
    )


def import_source(database_url: str, actor: Actor, source: str | bytes) -> uuid.UUID:
    return act(
        database_url,
        actor,
        Action.WORKFLOW_WRITE,
        "workflow.import",
        lambda: management.import_workflow(database_url, source, org_id=actor.org_id),
        target_type=TARGET,
    )


def update(
    database_url: str,
    actor: Actor,
    workflow_id: uuid.UUID,
    *,
    name: str | None = None,
    document: dict[str, Any] | None = None,
    fields: Iterable[str] = (),
) -> list[Problem]:
    """Rename and/or save the draft; ``fields`` (what the request set) goes in the audit."""
    return act(
        database_url,
        actor,
        Action.WORKFLOW_WRITE,
        "workflow.update",
        lambda: management.update_workflow(
            database_url, workflow_id, name=name, document=document, org_id=actor.org_id
        ),
        target_type=TARGET,
        target_id=workflow_id,
        details={"fields": sorted(fields)} if fields else None,
    )


def save_draft(
    database_url: str, actor: Actor, workflow_id: uuid.UUID, document: dict[str, Any]
) -> list[Problem]:
    """The builder's autosave: one ``workflow.update`` row per editing session.

    The builder saves a second after each change, so a row per save would bury
    the trail. A save is recorded only when it starts a session: the actor's
    previous row about this workflow is not an update of theirs from the last
    :data:`EDITING_SESSION_GAP` (a publish, someone else's change, or a pause
    ends a session). The row names the workflow as it is then.
    """
    require(actor, Action.WORKFLOW_WRITE)
    with unit_of_work(database_url) as session:
        problems = management.save_draft(database_url, workflow_id, document, org_id=actor.org_id)
        if not continues_session(session, actor, workflow_id):
            name = management.workflow_name(database_url, workflow_id, org_id=actor.org_id)
            audit.record(
                session, actor, "workflow.update", target_type=TARGET, target_id=workflow_id,
                details={"name": name[:200], "autosave": True},
            )  # fmt: skip
    return problems


EDITING_SESSION_GAP = timedelta(minutes=30)


def continues_session(session: Session, actor: Actor, workflow_id: uuid.UUID) -> bool:
    """Whether the last audit row about the workflow is this actor's update, and recent."""
    last = session.execute(
        select(AuditEvent)
        .where(
            col(AuditEvent.org_id) == actor.org_id,
            col(AuditEvent.target_type) == TARGET,
            col(AuditEvent.target_id) == str(workflow_id),
        )
        .order_by(col(AuditEvent.id).desc())
        .limit(1)
    ).scalar_one_or_none()
    if last is None or last.action != "workflow.update":
        return False
    same_actor = last.actor_id == (actor.api_key_id or actor.user_id)
    same_actor = same_actor and last.actor_type == actor.kind
    return same_actor and utcnow() - last.created_at < EDITING_SESSION_GAP


def rename(database_url: str, actor: Actor, workflow_id: uuid.UUID, name: str) -> None:
    act(
        database_url,
        actor,
        Action.WORKFLOW_WRITE,
        "workflow.rename",
        lambda: management.rename(database_url, workflow_id, name, org_id=actor.org_id),
        target_type=TARGET,
        target_id=workflow_id,
        details={"name": name[:200]},
    )


def duplicate(database_url: str, actor: Actor, workflow_id: uuid.UUID) -> uuid.UUID:
    return act(
        database_url,
        actor,
        Action.WORKFLOW_WRITE,
        "workflow.duplicate",
        lambda: management.duplicate(database_url, workflow_id, org_id=actor.org_id),
        target_type=TARGET,
        details={"source": str(workflow_id)},
    )


def delete(database_url: str, actor: Actor, workflow_id: uuid.UUID) -> None:
    act(
        database_url,
        actor,
        Action.WORKFLOW_DELETE,
        "workflow.delete",
        lambda: management.delete(database_url, workflow_id, org_id=actor.org_id),
        target_type=TARGET,
        target_id=workflow_id,
    )
