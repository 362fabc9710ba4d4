"""/api/v1/workflows: list, create, import, read, save, delete, duplicate, publish, export.

Thin: each handler parses, calls one use case with the actor (``services.workflows.editing``
for changes: permission, change and audit entry in one transaction; reads check the
read permission) and answers.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response, status
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field

from agentflow.nodes.registry import NODE_TYPES
from agentflow.services.tenancy.permissions import Action, Actor, require
from agentflow.services.workflows import editing, versions
from agentflow.services.workflows import management as service
from agentflow.spec.validation import validate_document
from state.web.api_v1.deps import CurrentActor, RateHeadersRoute, services
from state.web.api_v1.errors import ApiError, not_found

router = APIRouter(prefix="/api/v1/workflows", tags=["workflows"], route_class=RateHeadersRoute)


class WorkflowCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=service.MAX_NAME_LENGTH)
    description: str = Field(default="", max_length=2000)
    document: dict[str, Any] | None = None


class WorkflowUpdate(BaseModel):
    """Save the draft, rename, or both."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=service.MAX_NAME_LENGTH)
    document: dict[str, Any] | None = None


class PublishBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str = Field(default="", max_length=500)


def _describe(actor: Actor, workflow_id: uuid.UUID) -> dict[str, Any]:
    """Metadata and draft of one workflow of the actor's organisation."""
    db = services().database_url
    document = service.get_draft(db, workflow_id, org_id=actor.org_id)
    # The service has no single-workflow summary: take it from the org's (scoped) list.
    summaries = service.list_workflows(db, org_id=actor.org_id)
    summary = next((s for s in summaries if s.id == str(workflow_id)), None)
    if summary is None:  # deleted in between
        raise not_found("workflow")
    problems = [problem.to_dict() for problem in validate_document(document, NODE_TYPES)]
    return jsonable_encoder({**asdict(summary), "document": document, "problems": problems})


@router.get("", summary="List the organisation's workflows")
async def list_workflows(
    actor: CurrentActor,
    search: str = Query(default="", max_length=200),
    status: Literal["draft", "published"] | None = None,
) -> dict[str, Any]:
    require(actor, Action.WORKFLOW_READ)
    rows = await asyncio.to_thread(
        service.list_workflows,
        services().database_url,
        org_id=actor.org_id,
        search=search,
        status=status,
    )
    return {"items": jsonable_encoder([asdict(row) for row in rows])}


def _create(actor: Actor, body: WorkflowCreate) -> dict[str, Any]:
    workflow_id = editing.create(
        services().database_url,
        actor,
        body.name,
        description=body.description,
        document=body.document,
    )
    return _describe(actor, workflow_id)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a workflow")
async def create_workflow(actor: CurrentActor, body: WorkflowCreate) -> dict[str, Any]:
    return await asyncio.to_thread(_create, actor, body)


def _import(actor: Actor, source: str) -> dict[str, Any]:
    workflow_id = editing.import_source(services().database_url, actor, source)
    return _describe(actor, workflow_id)


@router.post("/import", status_code=status.HTTP_201_CREATED, summary="Import a document")
async def import_workflow(
    actor: CurrentActor,
    body: Annotated[
        dict[str, Any],
        Body(description='An agentflow/v1 document as JSON, or {"source": "<YAML or JSON text>"}'),
    ],
) -> dict[str, Any]:
    if set(body) == {"source"}:
        if not isinstance(body["source"], str):
            raise ApiError(422, "validation", "source: must be the document's text")
        source = body["source"]
    else:
        source = json.dumps(body)
    return await asyncio.to_thread(_import, actor, source)


@router.get("/{workflow_id}", summary="A workflow's metadata and draft")
async def get_workflow(actor: CurrentActor, workflow_id: uuid.UUID) -> dict[str, Any]:
    require(actor, Action.WORKFLOW_READ)
    return await asyncio.to_thread(_describe, actor, workflow_id)


def _update(actor: Actor, workflow_id: uuid.UUID, body: WorkflowUpdate) -> dict[str, Any]:
    # One use case: a refused draft leaves the name unchanged too.
    editing.update(
        services().database_url,
        actor,
        workflow_id,
        name=body.name,
        document=body.document,
        fields=body.model_fields_set,
    )
    return _describe(actor, workflow_id)


@router.put("/{workflow_id}", summary="Save the draft and/or rename")
async def update_workflow(
    actor: CurrentActor, workflow_id: uuid.UUID, body: WorkflowUpdate
) -> dict[str, Any]:
    if body.name is None and body.document is None:
        raise ApiError(422, "validation", "give a name, a document or both")
    return await asyncio.to_thread(_update, actor, workflow_id, body)


@router.delete(
    "/{workflow_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a workflow"
)
async def delete_workflow(actor: CurrentActor, workflow_id: uuid.UUID) -> Response:
    await asyncio.to_thread(editing.delete, services().database_url, actor, workflow_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _duplicate(actor: Actor, workflow_id: uuid.UUID) -> dict[str, Any]:
    copy_id = editing.duplicate(services().database_url, actor, workflow_id)
    return _describe(actor, copy_id)


@router.post(
    "/{workflow_id}/duplicate", status_code=status.HTTP_201_CREATED, summary="Copy a workflow"
)
async def duplicate_workflow(actor: CurrentActor, workflow_id: uuid.UUID) -> dict[str, Any]:
    return await asyncio.to_thread(_duplicate, actor, workflow_id)


@router.post("/{workflow_id}/publish", summary="Publish the draft as the next version")
async def publish_workflow(
    actor: CurrentActor, workflow_id: uuid.UUID, body: PublishBody | None = None
) -> dict[str, Any]:
    message = body.message if body else ""
    version = await asyncio.to_thread(
        versions.publish, services().database_url, actor, workflow_id, message
    )
    return {"id": str(workflow_id), "version": version}


@router.get("/{workflow_id}/export", summary="The draft as a JSON or YAML file")
async def export_workflow(
    actor: CurrentActor,
    workflow_id: uuid.UUID,
    format: Literal["json", "yaml"] = "json",
) -> Response:
    require(actor, Action.WORKFLOW_READ)
    text = await asyncio.to_thread(
        service.export, services().database_url, workflow_id, org_id=actor.org_id, syntax=format
    )
    media = "application/json" if format == "json" else "application/yaml"
    disposition = f'attachment; filename="workflow-{workflow_id}.{format}"'
    return Response(text, media_type=media, headers={"Content-Disposition": disposition})
