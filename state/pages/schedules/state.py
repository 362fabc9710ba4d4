"""Schedules page state: every schedule of the organisation, pause and resume."""

from __future__ import annotations

import asyncio
import uuid
from zoneinfo import ZoneInfo

import reflex as rx

from agentflow.errors import Forbidden, NotFound
from agentflow.services.triggers import schedules
from agentflow.services.triggers.schedules import ScheduleInfo
from components.formatting import relative_time, timestamp
from state.common import database_url as _database
from state.session import current_actor


def _row(info: ScheduleInfo) -> dict[str, str]:
    zone = info.timezone
    upcoming = [
        moment.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M") for moment in info.upcoming
    ]
    return {
        "id": str(info.id),
        "workflow_id": str(info.workflow_id),
        "workflow": info.workflow_name,
        "node": info.node_id,
        "cron": info.cron,
        "timezone": zone,
        "description": info.description,
        "enabled": "yes" if info.enabled else "",
        "reason": info.paused_reason,
        "next": upcoming[0] if upcoming else "–",
        "upcoming": ", ".join(upcoming[1:]),
        "last_tick": relative_time(info.last_tick_at) if info.last_tick_at else "never",
        "last_tick_at": timestamp(info.last_tick_at),
        "last_run_id": str(info.last_run_id) if info.last_run_id else "",
        "last_run_status": info.last_run_status or "",
    }


class SchedulesState(rx.State):
    rows: list[dict[str, str]] = []
    loaded: bool = False
    error: str = ""

    @rx.event
    async def load(self) -> None:
        await self._load()

    async def _load(self) -> None:
        actor = await current_actor(self)
        if actor is None:
            return
        try:
            infos = await asyncio.to_thread(schedules.list_schedules, _database(), actor)
        except Forbidden as exc:
            self.error = exc.message
            return
        self.rows = [_row(info) for info in infos]
        self.loaded = True

    @rx.event
    async def set_enabled(self, schedule_id: str, enabled: bool) -> None:
        self.error = ""
        actor = await current_actor(self)
        if actor is None:
            return
        try:
            await asyncio.to_thread(
                schedules.set_enabled, _database(), actor, uuid.UUID(schedule_id), enabled
            )
        except (ValueError, NotFound, Forbidden) as exc:
            self.error = getattr(exc, "message", "") or "this schedule was not found"
        await self._load()
