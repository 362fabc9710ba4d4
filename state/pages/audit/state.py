"""Settings → Audit: the organisation's append-only trail, filtered, paged, exported.

Pages go backwards in time with ``before_id`` (keyset paging): the cursors of
the pages seen are kept so "Newer" can return. Filters restart at the newest page.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import reflex as rx

from agentflow.errors import Forbidden
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.audit_lookups import audit_facets
from agentflow.services.tenancy.permissions import Actor
from components.formatting import timestamp
from state.common import database_url as _database
from state.session import current_actor, login_redirect

ALL = "all"
PAGE_SIZE = 50
MAX_DETAILS = 300  # characters of the details shown in the table (the CSV has all)


def _day(text: str) -> datetime | None:
    """A YYYY-MM-DD date input as the start of that day in UTC; None when empty/invalid."""
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


def _target(entry: audit.AuditEntry) -> str:
    """ "workflow: Lead intake (3f2c…)": the name recorded with the event, when there is one."""
    if not entry.target_type:
        return ""
    name = (entry.details or {}).get("name")
    if isinstance(name, str) and name:
        return f"{entry.target_type}: {name} ({entry.target_id})"
    return f"{entry.target_type}: {entry.target_id}"


def _row(entry: audit.AuditEntry) -> dict[str, str]:
    details = json.dumps(entry.details, sort_keys=True, default=str) if entry.details else ""
    return {
        "id": str(entry.id),
        "when": timestamp(entry.created_at),
        "actor": entry.actor_label or entry.actor_type,
        "actor_type": entry.actor_type,
        "action": entry.action,
        "target": _target(entry),
        "ip": entry.ip,
        "details": details[:MAX_DETAILS],
    }


def _action_options(actions: list[str]) -> list[dict[str, str]]:
    """Each area ("member.") selects all its actions, then every exact action."""
    areas = sorted({action.split(".", 1)[0] + "." for action in actions if "." in action})
    return [{"value": area, "label": f"{area}* (all)"} for area in areas] + [
        {"value": action, "label": action} for action in actions
    ]


class AuditLogState(rx.State):
    loaded: bool = False
    error: str = ""
    rows: list[dict[str, str]] = []
    actor_options: list[dict[str, str]] = []
    action_options: list[dict[str, str]] = []
    target_options: list[str] = []

    actor_filter: str = ALL
    action_filter: str = ALL
    target_filter: str = ALL
    since: str = ""
    until: str = ""
    filter_error: str = ""

    # before_id of each page shown so far; the current page is the last (0: newest).
    cursors: list[int] = [0]
    has_older: bool = False

    def _filters(self) -> dict[str, Any]:
        until = _day(self.until)
        return {
            "actor_id": uuid.UUID(self.actor_filter) if self.actor_filter != ALL else None,
            "action": self.action_filter if self.action_filter != ALL else None,
            "target_type": self.target_filter if self.target_filter != ALL else None,
            "since": _day(self.since),
            "until": until + timedelta(days=1) if until else None,  # the whole "to" day
        }

    async def _requery(self, actor: Actor) -> None:
        before = self.cursors[-1] or None
        try:
            entries = await asyncio.to_thread(
                audit.query,
                _database(),
                actor,
                before_id=before,
                limit=PAGE_SIZE + 1,  # one more tells whether an older page exists
                **self._filters(),
            )
        except Forbidden as exc:
            self.error, self.rows = exc.message, []
            return
        self.has_older = len(entries) > PAGE_SIZE
        self.rows = [_row(entry) for entry in entries[:PAGE_SIZE]]

    async def _restart(self) -> Any:
        actor = await current_actor(self)
        if actor is None:
            return login_redirect(self)
        self.cursors = [0]
        await self._requery(actor)
        return None

    @rx.event
    async def load(self) -> None:
        self.error = self.filter_error = ""
        actor = await current_actor(self)
        if actor is None:
            self.rows = []
            return
        try:
            facets = await asyncio.to_thread(audit_facets, _database(), actor)
        except Forbidden as exc:
            self.error, self.rows, self.loaded = exc.message, [], True
            return
        self.actor_options = [
            {"value": str(a.id), "label": a.label or a.kind} for a in facets.actors
        ]
        self.action_options = _action_options(facets.actions)
        self.target_options = facets.target_types
        self.cursors = [0]
        await self._requery(actor)
        self.loaded = True

    # -- filters --------------------------------------------------------------------

    @rx.event
    async def set_actor_filter(self, value: str) -> Any:
        known = {option["value"] for option in self.actor_options}
        self.actor_filter = value if value in known else ALL
        return await self._restart()

    @rx.event
    async def set_action_filter(self, value: str) -> Any:
        known = {option["value"] for option in self.action_options}
        self.action_filter = value if value in known else ALL
        return await self._restart()

    @rx.event
    async def set_target_filter(self, value: str) -> Any:
        self.target_filter = value if value in self.target_options else ALL
        return await self._restart()

    @rx.event
    async def set_since(self, value: str) -> Any:
        self.since = value
        return await self._dates_changed()

    @rx.event
    async def set_until(self, value: str) -> Any:
        self.until = value
        return await self._dates_changed()

    async def _dates_changed(self) -> Any:
        since, until = _day(self.since), _day(self.until)
        self.filter_error = "“From” is after “to”." if since and until and since > until else ""
        return await self._restart()

    @rx.event
    async def clear_filters(self) -> Any:
        self.actor_filter = self.action_filter = self.target_filter = ALL
        self.since = self.until = self.filter_error = ""
        return await self._restart()

    # -- pages ----------------------------------------------------------------------

    @rx.event
    async def older(self) -> Any:
        if not self.has_older or not self.rows:
            return None
        actor = await current_actor(self)
        if actor is None:
            return login_redirect(self)
        self.cursors = [*self.cursors, int(self.rows[-1]["id"])]
        await self._requery(actor)
        return None

    @rx.event
    async def newer(self) -> Any:
        if len(self.cursors) <= 1:
            return None
        actor = await current_actor(self)
        if actor is None:
            return login_redirect(self)
        self.cursors = self.cursors[:-1]
        await self._requery(actor)
        return None

    @rx.var
    def page_number(self) -> int:
        return len(self.cursors)

    # -- export ---------------------------------------------------------------------

    @rx.event
    async def export(self) -> Any:
        actor = await current_actor(self)
        if actor is None:
            return login_redirect(self)
        try:
            text = await asyncio.to_thread(audit.export_csv, _database(), actor, **self._filters())
        except Forbidden as exc:
            self.error = exc.message
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return rx.download(data=text, filename=f"audit-{stamp}.csv", mime_type="text/csv")
