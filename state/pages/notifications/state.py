"""Notifications: the unread count in the sidebar's bell and the list page."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from agentflow.errors import Forbidden
from agentflow.services.delivery import notifications
from agentflow.services.delivery.notifications import KINDS, NotificationInfo
from components.formatting import relative_time
from state.common import database_url as _database
from state.session import current_actor


def _row(info: NotificationInfo) -> dict[str, str]:
    return {
        "id": str(info.id),
        "kind": KINDS.get(info.kind, info.kind),
        "color": {"run.failed": "red", "schedule.disabled": "orange"}.get(info.kind, "amber"),
        "title": info.title,
        "body": info.body,
        "link": info.link,
        "when": relative_time(info.created_at),
        "unread": "" if info.read else "unread",
    }


class NotificationsState(rx.State):
    unread: int = 0
    rows: list[dict[str, str]] = []
    loaded: bool = False
    unread_only: bool = False
    error: str = ""

    @rx.event
    async def refresh_count(self, _tick: Any = None) -> None:
        actor = await current_actor(self)
        if actor is None:
            return
        try:
            self.unread = await asyncio.to_thread(notifications.unread_count, _database(), actor)
        except Forbidden:
            self.unread = 0

    @rx.event
    async def load(self) -> None:
        await self._load()

    async def _load(self) -> None:
        actor = await current_actor(self)
        if actor is None:
            return
        try:
            infos = await asyncio.to_thread(
                notifications.list_notifications,
                _database(),
                actor,
                unread_only=self.unread_only,
                limit=100,
            )
            self.unread = await asyncio.to_thread(notifications.unread_count, _database(), actor)
        except Forbidden as exc:
            self.error = exc.message
            return
        self.rows = [_row(info) for info in infos]
        self.loaded = True

    @rx.event
    async def set_unread_only(self, value: bool) -> None:
        self.unread_only = value
        await self._load()

    @rx.event
    async def mark_read(self, notification_id: str) -> None:
        actor = await current_actor(self)
        if actor is None or not notification_id.isdigit():
            return
        await asyncio.to_thread(notifications.mark_read, _database(), actor, [int(notification_id)])
        await self._load()

    @rx.event
    async def mark_all_read(self) -> None:
        actor = await current_actor(self)
        if actor is None:
            return
        await asyncio.to_thread(notifications.mark_read, _database(), actor)
        await self._load()
