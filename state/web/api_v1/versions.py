"""/api/v1 workflow versions and webhook URLs: list, read, diff, roll back; show, rotate.

Thin: each handler calls ``services.workflows.versions`` or ``services.triggers.webhooks`` with the
actor, which check permissions, scope by organisation and record the audit trail.
Starting a given version is ``POST /api/v1/workflows/{id}/runs`` with ``version``.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field

from agentflow.services.triggers import webhooks
from agentflow.services.workflows import versions
from agentflow.services.workflows.versions import DRAFT, VersionRef
from state.web.api_v1.deps import CurrentActor, RateHeadersRoute, services
from state.web.api_v1.errors import ApiError

router = APIRouter(prefix="/api/v1/workflows", tags=["versions"], route_class=RateHeadersRoute)


class RollbackBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str = Field(default="", max_length=versions.MAX_MESSAGE_LENGTH)


def _ref(value: str, name: str) -> VersionRef:
    if value == DRAFT:
        return DRAFT
    if value.isdigit() and int(value) >= 1:
        return int(value)
    raise ApiError(422, "validation", f"{name}: a version number (1, 2, …) or 'draft'")


@router.get("/{workflow_id}/versions", summary="Published versions, newest first")
async def list_versions(actor: CurrentActor, workflow_id: uuid.UUID) -> dict[str, Any]:
    rows = await asyncio.to_thread(
        versions.list_versions, services().database_url, actor, workflow_id
    )
    return {"items": jsonable_encoder([asdict(row) for row in rows])}


@router.get("/{workflow_id}/versions/{version}", summary="One version's document")
async def get_version(actor: CurrentActor, workflow_id: uuid.UUID, version: str) -> dict[str, Any]:
    ref = _ref(version, "version")
    document = await asyncio.to_thread(
        versions.get_document, services().database_url, actor, workflow_id, ref
    )
    return {"version": ref, "document": document}


@router.get(
    "/{workflow_id}/diff",
    summary="What changed between two versions (numbers or 'draft'); positions are ignored",
)
async def diff_versions(
    actor: CurrentActor,
    workflow_id: uuid.UUID,
    from_: Annotated[str, Query(alias="from", max_length=12)],
    to: Annotated[str, Query(max_length=12)],
) -> dict[str, Any]:
    old, new = _ref(from_, "from"), _ref(to, "to")
    diff = await asyncio.to_thread(
        versions.diff, services().database_url, actor, workflow_id, old, new
    )
    return {"from": old, "to": new, **diff.to_dict()}


@router.post(
    "/{workflow_id}/versions/{version}/rollback",
    summary="Publish an old version again as the newest one (and make it the draft)",
)
async def rollback(
    actor: CurrentActor,
    workflow_id: uuid.UUID,
    version: int,
    body: RollbackBody | None = None,
) -> dict[str, Any]:
    if version < 1:
        raise ApiError(422, "validation", "version: a version number (1, 2, …)")
    new_version = await asyncio.to_thread(
        versions.rollback,
        services().database_url,
        actor,
        workflow_id,
        version,
        body.message if body else "",
    )
    return {"id": str(workflow_id), "version": new_version, "rolled_back_to": version}


@router.get("/{workflow_id}/webhook", summary="The workflow's webhook URL and settings")
async def get_webhook(actor: CurrentActor, workflow_id: uuid.UUID) -> dict[str, Any]:
    info = await asyncio.to_thread(
        webhooks.webhook_info, services().database_url, actor, workflow_id
    )
    return jsonable_encoder(asdict(info))


@router.post(
    "/{workflow_id}/webhook/rotate",
    summary="Replace the webhook token: the old URL stops working at once",
)
async def rotate_webhook(actor: CurrentActor, workflow_id: uuid.UUID) -> dict[str, Any]:
    info = await asyncio.to_thread(webhooks.rotate, services().database_url, actor, workflow_id)
    return jsonable_encoder(asdict(info))
