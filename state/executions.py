"""Executions page state: runs with filters and pages, refreshed live."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import reflex as rx

from agentflow.services.acting import check
from agentflow.services.permissions import Action, Forbidden
from agentflow.services.run_queries import RUN_STATUSES, RunFilter, query_runs
from agentflow.services.workflows import list_workflows
from components.formatting import duration, money, timestamp
from state.common import database_url as _database
from state.session import current_actor

ALL = "all"


def _day(text: str) -> datetime | None:
    """A YYYY-MM-DD date input as the start of that day in UTC; None when empty/invalid."""
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


def _row(row: dict[str, Any]) -> dict[str, str]:
    return {
        "run_id": row["run_id"],
        "short_id": row["run_id"][:8],
        "workflow": row["workflow"],
        "status": row["status"],
        "trigger": row["trigger"],
        "started": timestamp(row["started_at"] or row["created_at"]),
        "duration": duration(row["duration_s"]),
        "cost": money(row["cost_usd"]),
    }


class ExecutionsState(rx.State):
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    loaded: bool = False
    workflow_filter: str = ALL
    status_filter: str = ALL
    since: str = ""
    until: str = ""
    filter_error: str = ""
    workflow_options: list[dict[str, str]] = []

    def _filters(self) -> RunFilter:
        since, until = _day(self.since), _day(self.until)
        return RunFilter(
            workflow_id=uuid.UUID(self.workflow_filter) if self.workflow_filter != ALL else None,
            status=self.status_filter if self.status_filter != ALL else None,
            since=since,
            until=until + timedelta(days=1) if until else None,  # the whole "until" day
            page=self.page,
        )

    @rx.event
    async def load(self) -> None:
        actor = await current_actor(self)
        if actor is None:
            return
        workflows = await asyncio.to_thread(list_workflows, _database(), org_id=actor.org_id)
        self.workflow_options = [{"id": w.id, "name": w.name} for w in workflows]
        await self._requery()

    @rx.event
    async def refresh(self, _tick: Any = None) -> None:
        await self._requery()

    async def _requery(self) -> None:
        actor = await current_actor(self)
        if actor is None:
            self.rows = []
            return
        try:
            check(actor, Action.RUN_READ)
        except Forbidden:
            self.rows, self.loaded = [], True
            return
        org = actor.org_id
        page = await asyncio.to_thread(query_runs, _database(), self._filters(), org_id=org)
        if self.page > page.pages:  # filters shrank the result: show its last page
            self.page = page.pages
            page = await asyncio.to_thread(query_runs, _database(), self._filters(), org_id=org)
        self.rows = [_row(row) for row in page.rows]
        self.total, self.pages, self.loaded = page.total, page.pages, True

    @rx.event
    async def set_workflow_filter(self, value: str) -> None:
        self.workflow_filter = value if value == ALL or _is_uuid(value) else ALL
        self.page = 1
        await self._requery()

    @rx.event
    async def set_status_filter(self, value: str) -> None:
        self.status_filter = value if value in RUN_STATUSES else ALL
        self.page = 1
        await self._requery()

    @rx.event
    async def set_since(self, value: str) -> None:
        self.since = value
        await self._date_changed()

    @rx.event
    async def set_until(self, value: str) -> None:
        self.until = value
        await self._date_changed()

    async def _date_changed(self) -> None:
        since, until = _day(self.since), _day(self.until)
        self.filter_error = "“From” is after “to”." if since and until and since > until else ""
        self.page = 1
        await self._requery()

    @rx.event
    async def clear_filters(self) -> None:
        self.workflow_filter = self.status_filter = ALL
        self.since = self.until = self.filter_error = ""
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


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
