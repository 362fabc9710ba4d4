"""/api/v1/templates: the gallery, installing, publishing, rating and approving.

Thin: the template services check permissions, scope every lookup and record the
audit events; their exceptions become the API's error shape (state.web.api_v1.errors).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Query, Response, status
from fastapi.encoders import jsonable_encoder

from agentflow.services.templates import gallery, publishing
from state.web.api_v1.deps import CurrentActor, RateHeadersRoute, services

router = APIRouter(prefix="/api/v1/templates", tags=["templates"], route_class=RateHeadersRoute)


@router.get("", summary="The gallery: templates this organisation may install")
async def list_templates(
    actor: CurrentActor,
    search: str = Query(default="", max_length=200),
    category: str = Query(default="", max_length=60),
) -> dict[str, Any]:
    rows = await asyncio.to_thread(
        gallery.list_templates, services().database_url, actor, search=search, category=category
    )
    return {"items": jsonable_encoder([asdict(row) for row in rows])}


@router.get("/{template_id}", summary="A template: its document, versions and what it needs")
async def get_template(actor: CurrentActor, template_id: uuid.UUID) -> dict[str, Any]:
    detail = await asyncio.to_thread(
        gallery.get_template, services().database_url, actor, template_id
    )
    return jsonable_encoder(asdict(detail))


@router.post(
    "/{template_id}/install",
    status_code=status.HTTP_201_CREATED,
    summary="Create a workflow from the template (optionally adding its missing secrets)",
)
async def install_template(
    actor: CurrentActor, template_id: uuid.UUID, body: gallery.InstallInput | None = None
) -> dict[str, Any]:
    installed = await asyncio.to_thread(
        gallery.install_template,
        services().database_url,
        actor,
        template_id,
        body or gallery.InstallInput(),
    )
    return {
        "workflow_id": str(installed.workflow_id),
        "missing_secrets": installed.missing_secrets,
    }


@router.post("", status_code=status.HTTP_201_CREATED, summary="Publish a workflow as a template")
async def publish_template(actor: CurrentActor, body: publishing.PublishInput) -> dict[str, Any]:
    published = await asyncio.to_thread(publishing.publish, services().database_url, actor, body)
    return jsonable_encoder(asdict(published))


@router.post(
    "/{template_id}/ratings",
    status_code=status.HTTP_201_CREATED,
    summary="Rate (1-5) and review a template, once",
)
async def rate_template(
    actor: CurrentActor, template_id: uuid.UUID, body: publishing.RatingInput
) -> dict[str, Any]:
    await asyncio.to_thread(publishing.rate, services().database_url, actor, template_id, body)
    return {"rated": True}


@router.get("/{template_id}/ratings", summary="A template's ratings and reviews, newest first")
async def list_ratings(actor: CurrentActor, template_id: uuid.UUID) -> dict[str, Any]:
    rows = await asyncio.to_thread(publishing.reviews, services().database_url, actor, template_id)
    return {"items": jsonable_encoder([asdict(row) for row in rows])}


@router.post("/{template_id}/decision", summary="Approve or reject (instance admins)")
async def decide(
    actor: CurrentActor, template_id: uuid.UUID, body: publishing.DecisionInput
) -> dict[str, Any]:
    review = await asyncio.to_thread(
        publishing.decide, services().database_url, actor, template_id, body
    )
    return {"review": review}


@router.delete(
    "/{template_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete your template"
)
async def delete_template(actor: CurrentActor, template_id: uuid.UUID) -> Response:
    await asyncio.to_thread(publishing.delete_template, services().database_url, actor, template_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
