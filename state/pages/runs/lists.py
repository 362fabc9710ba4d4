"""What the run lists (Executions, Failed runs) share: workflow and date filters, and pages."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import reflex as rx

from agentflow.services.tenancy.permissions import Actor
from agentflow.services.workflows.management import list_workflows
from state.common import database_url as _database

ALL = "all"


def parse_day(text: str) -> datetime | None:
    """A YYYY-MM-DD date input as the start of that day in UTC; None when empty/invalid."""
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class RunListState(rx.State, mixin=True):
    """Paging and the common filters; a page state supplies `_requery` and its own filters."""

    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    loaded: bool = False
    workflow_filter: str = ALL
    since: str = ""
    until: str = ""
    workflow_options: list[dict[str, str]] = []

    async def _requery(self) -> None:
        raise NotImplementedError

    def _clear_own_filters(self) -> None:
        """Reset the filters only this page has (called by clear_filters)."""

    def _workflow_id(self) -> uuid.UUID | None:
        return uuid.UUID(self.workflow_filter) if self.workflow_filter != ALL else None

    def _date_range(self) -> tuple[datetime | None, datetime | None]:
        """The chosen days as [since, until): the "until" day is included whole."""
        since, until = parse_day(self.since), parse_day(self.until)
        return since, until + timedelta(days=1) if until else None

    async def _load_workflow_options(self, actor: Actor) -> None:
        workflows = await asyncio.to_thread(list_workflows, _database(), org_id=actor.org_id)
        self.workflow_options = [{"id": w.id, "name": w.name} for w in workflows]

    async def _date_changed(self) -> None:
        self.page = 1
        await self._requery()

    @rx.event
    async def set_workflow_filter(self, value: str) -> None:
        self.workflow_filter = value if value == ALL or is_uuid(value) else ALL
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

    @rx.event
    async def clear_filters(self) -> None:
        self.workflow_filter = ALL
        self.since = self.until = ""
        self._clear_own_filters()
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
