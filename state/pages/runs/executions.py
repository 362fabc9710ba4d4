"""Executions page state: runs with filters and pages, refreshed live."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from agentflow.errors import Forbidden
from agentflow.services.runs.queries import RUN_STATUSES, RunFilter, query_runs
from agentflow.services.tenancy.acting import check
from agentflow.services.tenancy.permissions import Action
from components.formatting import duration, money, timestamp
from state.common import database_url as _database
from state.pages.runs.lists import ALL, RunListState, parse_day
from state.session import current_actor


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


class ExecutionsState(RunListState, rx.State):
    status_filter: str = ALL
    filter_error: str = ""

    def _filters(self) -> RunFilter:
        since, until = self._date_range()
        return RunFilter(
            workflow_id=self._workflow_id(),
            status=self.status_filter if self.status_filter != ALL else None,
            since=since,
            until=until,
            page=self.page,
        )

    @rx.event
    async def load(self) -> None:
        actor = await current_actor(self)
        if actor is None:
            return
        await self._load_workflow_options(actor)
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
    async def set_status_filter(self, value: str) -> None:
        self.status_filter = value if value in RUN_STATUSES else ALL
        self.page = 1
        await self._requery()

    async def _date_changed(self) -> None:
        since, until = parse_day(self.since), parse_day(self.until)
        self.filter_error = "“From” is after “to”." if since and until and since > until else ""
        await super()._date_changed()

    def _clear_own_filters(self) -> None:
        self.status_filter = ALL
        self.filter_error = ""
