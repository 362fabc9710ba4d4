"""Changing workflows as an actor: the use cases the API routes and the pages call.

Each checks the actor's permission, makes the change in the actor's organisation and
writes its audit entry, in one transaction (tenancy.acting.act): a refused change
leaves no audit row, a change whose audit entry cannot be written is not made.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from agentflow.services.tenancy.acting import act
from agentflow.services.tenancy.permissions import Action, Actor
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
    return act(
        database_url,
        actor,
        Action.WORKFLOW_WRITE,
        "workflow.update",
        lambda: management.save_draft(database_url, workflow_id, document, org_id=actor.org_id),
        target_type=TARGET,
        target_id=workflow_id,
    )


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
