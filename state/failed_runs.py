"""The failed-runs view: failed and timed-out runs with filters, selection and bulk rerun."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import reflex as rx

from agentflow.queue import connect
from agentflow.services.failed_runs import MAX_BULK, FailedFilter, bulk_rerun, list_failed
from agentflow.services.permissions import Forbidden, InvalidInput
from agentflow.services.workflows import list_workflows
from components.formatting import timestamp
from state.common import database_url as _database
from state.common import redis_url as _redis
from state.executions import ALL, _day, _is_uuid
from state.session import current_actor

TRIGGERS = ("manual", "schedule", "webhook", "api", "rerun")


def _row(row: dict[str, Any]) -> dict[str, str]:
    return {
        "run_id": row["run_id"],
        "short_id": row["run_id"][:8],
        "workflow": row["workflow"],
        "status": row["status"],
        "trigger": row["trigger"],
        "created": timestamp(row["created_at"]),
        "failed_node": row["failed_node"] or "–",
        "error": (row["error_type"] + ": " if row["error_type"] else "") + row["error"][:300],
    }


class FailedRunsState(rx.State):
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    loaded: bool = False
    workflow_filter: str = ALL
    trigger_filter: str = ALL
    error_filter: str = ""
    since: str = ""
    until: str = ""
    workflow_options: list[dict[str, str]] = []
    selected: list[str] = []
    confirming: bool = False
    rerunning: bool = False
    message: str = ""
    error: str = ""

    def _filters(self) -> FailedFilter:
        since, until = _day(self.since), _day(self.until)
        return FailedFilter(
            workflow_id=uuid.UUID(self.workflow_filter) if self.workflow_filter != ALL else None,
            trigger=self.trigger_filter if self.trigger_filter != ALL else None,
            since=since,
            until=until + timedelta(days=1) if until else None,
            error=self.error_filter,
            page=self.page,
        )

    @rx.event
    async def load(self) -> None:
        self.message = self.error = ""
        self.selected, self.confirming = [], False
        actor = await current_actor(self)
        if actor is None:
            return
        workflows = await asyncio.to_thread(list_workflows, _database(), org_id=actor.org_id)
        self.workflow_options = [{"id": w.id, "name": w.name} for w in workflows]
        await self._requery()

    async def _requery(self) -> None:
        actor = await current_actor(self)
        if actor is None:
            return
        try:
            page = await asyncio.to_thread(list_failed, _database(), actor, self._filters())
            if self.page > page.pages:
                self.page = page.pages
                page = await asyncio.to_thread(list_failed, _database(), actor, self._filters())
        except (Forbidden, InvalidInput) as exc:
            self.error, self.rows, self.loaded = exc.message, [], True
            return
        self.rows = [_row(row) for row in page.rows]
        shown = {row["run_id"] for row in self.rows}
        self.selected = [run_id for run_id in self.selected if run_id in shown]
        self.total, self.pages, self.loaded = page.total, page.pages, True

    @rx.event
    async def set_workflow_filter(self, value: str) -> None:
        self.workflow_filter = value if value == ALL or _is_uuid(value) else ALL
        self.page = 1
        await self._requery()

    @rx.event
    async def set_trigger_filter(self, value: str) -> None:
        self.trigger_filter = value if value in TRIGGERS else ALL
        self.page = 1
        await self._requery()

    @rx.event
    async def set_error_filter(self, value: str) -> None:
        self.error_filter = value[:200]
        self.page = 1
        await self._requery()

    @rx.event
    async def set_since(self, value: str) -> None:
        self.since, self.page = value, 1
        await self._requery()

    @rx.event
    async def set_until(self, value: str) -> None:
        self.until, self.page = value, 1
        await self._requery()

    @rx.event
    async def clear_filters(self) -> None:
        self.workflow_filter = self.trigger_filter = ALL
        self.error_filter = self.since = self.until = ""
        self.page = 1
        await self._requery()

    @rx.event
    async def next_page(self) -> None:
        if self.page < self.pages:
            self.page += 1
            await self._requery()

    @rx.event
    async def previous_page(self) -> None:
        if self.page > 1:
            self.page -= 1
            await self._requery()

    @rx.event
    def toggle(self, run_id: str, checked: bool) -> None:
        rest = [r for r in self.selected if r != run_id]
        self.selected = [*rest, run_id] if checked and len(rest) < MAX_BULK else rest

    @rx.event
    def toggle_all(self, checked: bool) -> None:
        self.selected = [row["run_id"] for row in self.rows][:MAX_BULK] if checked else []

    @rx.event
    def ask_rerun(self) -> None:
        self.confirming = bool(self.selected)

    @rx.event
    def cancel_rerun(self) -> None:
        self.confirming = False

    @rx.event
    async def confirm_rerun(self) -> AsyncIterator[None]:
        self.confirming, self.rerunning, self.message, self.error = False, True, "", ""
        yield
        actor = await current_actor(self)
        if actor is None:
            self.rerunning = False
            return
        queue = await connect(_redis())
        try:
            ids = [uuid.UUID(run_id) for run_id in self.selected]
            result = await bulk_rerun(_database(), queue, actor, ids)
        except (Forbidden, InvalidInput) as exc:
            self.error = exc.message
        else:
            self.message = f"Started {len(result.started)} rerun(s)."
            if result.refused:
                self.error = "; ".join(f"{str(r)[:8]}: {why}" for r, why in result.refused[:5])
            self.selected = []
        finally:
            await queue.aclose()
            self.rerunning = False
        await self._requery()

    @rx.var
    def all_selected(self) -> bool:
        return bool(self.rows) and len(self.selected) == len(self.rows)
