"""/api/v1 schedules: list them with their next times, pause and resume.

Schedules come from the ``schedule`` triggers of each workflow's latest published
version (publishing creates, changes and removes them), so there is no create or
delete here. ``services.triggers.schedules`` checks permissions, scopes by organisation and
records pauses and resumes in the audit trail.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder

from agentflow.services.triggers import schedules
from state.web.api_v1.deps import CurrentActor, RateHeadersRoute, services

router = APIRouter(prefix="/api/v1/schedules", tags=["schedules"], route_class=RateHeadersRoute)


def _view(info: schedules.ScheduleInfo) -> dict[str, Any]:
    return jsonable_encoder(asdict(info))


@router.get("", summary="Schedules, with a description and the next five times")
async def list_schedules(
    actor: CurrentActor, workflow_id: uuid.UUID | None = None
) -> dict[str, Any]:
    rows = await asyncio.to_thread(
        schedules.list_schedules, services().database_url, actor, workflow_id=workflow_id
    )
    return {"items": [_view(row) for row in rows]}


@router.post("/{schedule_id}/pause", summary="Pause: ticks while paused are not caught up")
async def pause(actor: CurrentActor, schedule_id: uuid.UUID) -> dict[str, Any]:
    info = await asyncio.to_thread(
        schedules.set_enabled, services().database_url, actor, schedule_id, False
    )
    return _view(info)


@router.post("/{schedule_id}/resume", summary="Resume from the next tick")
async def resume(actor: CurrentActor, schedule_id: uuid.UUID) -> dict[str, Any]:
    info = await asyncio.to_thread(
        schedules.set_enabled, services().database_url, actor, schedule_id, True
    )
    return _view(info)
