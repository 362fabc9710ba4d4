"""The failed-runs view: failed and timed-out runs with filters, selection and bulk rerun."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx

from agentflow.errors import AgentFlowError
from agentflow.queue import require_queue
from agentflow.services.runs.failed_runs import MAX_BULK, FailedFilter, bulk_rerun, list_failed
from components.formatting import timestamp
from state.common import database_url as _database
from state.common import redis_url as _redis
from state.pages.runs.lists import ALL, RunListState
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


class FailedRunsState(RunListState, rx.State):
    trigger_filter: str = ALL
    error_filter: str = ""
    selected: list[str] = []
    confirming: bool = False
    rerunning: bool = False
    message: str = ""
    error: str = ""

    def _filters(self) -> FailedFilter:
        since, until = self._date_range()
        return FailedFilter(
            workflow_id=self._workflow_id(),
            trigger=self.trigger_filter if self.trigger_filter != ALL else None,
            since=since,
            until=until,
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
        await self._load_workflow_options(actor)
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
        except AgentFlowError as exc:
            self.error, self.rows, self.loaded = exc.message, [], True
            return
        self.rows = [_row(row) for row in page.rows]
        shown = {row["run_id"] for row in self.rows}
        self.selected = [run_id for run_id in self.selected if run_id in shown]
        self.total, self.pages, self.loaded = page.total, page.pages, True

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

    def _clear_own_filters(self) -> None:
        self.trigger_filter = ALL
        self.error_filter = ""

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
        try:
            queue = await require_queue(_redis())
            ids = [uuid.UUID(run_id) for run_id in self.selected]
            result = await bulk_rerun(_database(), queue, actor, ids)
        except AgentFlowError as exc:
            self.error = exc.message
        else:
            self.message = f"Started {len(result.started)} rerun(s)."
            if result.refused:
                self.error = "; ".join(f"{str(r)[:8]}: {why}" for r, why in result.refused[:5])
            self.selected = []
        finally:
            self.rerunning = False
        await self._requery()

    @rx.var
    def all_selected(self) -> bool:
        return bool(self.rows) and len(self.selected) == len(self.rows)
