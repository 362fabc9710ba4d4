"""/api/v1 notifications: the organisation's in-app notices, and marking them read."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field

from agentflow.services.delivery import notifications
from state.web.api_v1.deps import CurrentActor, RateHeadersRoute, services

router = APIRouter(
    prefix="/api/v1/notifications", tags=["notifications"], route_class=RateHeadersRoute
)


class MarkReadBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Which notices to mark; null marks every unread one.
    ids: list[int] | None = Field(default=None, max_length=notifications.MAX_PAGE)


@router.get("", summary="Notices, newest first, with the unread count")
async def list_notifications(
    actor: CurrentActor,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=notifications.MAX_PAGE)] = 50,
) -> dict[str, Any]:
    database_url = services().database_url
    rows = await asyncio.to_thread(
        notifications.list_notifications, database_url, actor, unread_only=unread, limit=limit
    )
    count = await asyncio.to_thread(notifications.unread_count, database_url, actor)
    return {"items": jsonable_encoder([asdict(row) for row in rows]), "unread": count}


@router.post("/read", summary="Mark notices (or every unread one) as read")
async def mark_read(actor: CurrentActor, body: MarkReadBody) -> dict[str, int]:
    marked = await asyncio.to_thread(
        notifications.mark_read, services().database_url, actor, body.ids
    )
    return {"marked": marked}
