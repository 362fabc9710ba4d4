"""Run page state: the run, its steps on a timeline, its events, and actions on it."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import reflex as rx

from agentflow.engine.ports import TERMINAL_RUN_STATUSES
from agentflow.errors import AgentFlowError
from agentflow.services.runs.events import events_after
from agentflow.services.runs.lifecycle import (
    RunNotFound,
    describe_run,
)
from agentflow.services.runs.queries import run_origin
from agentflow.services.tenancy.acting import check
from agentflow.services.tenancy.permissions import Action, Actor
from components.formatting import duration, money, timestamp
from state.common import database_url
from state.pages.runs import actions as run_actions
from state.session import current_actor

MAX_SHOWN_JSON = 20_000
MIN_BAR_PERCENT = 0.6  # keep instant steps visible on the timeline
# A skipped step never ran: it has no attempts, time, cost or tokens worth a figure.
SKIPPED_SUMMARY = "skipped: not on the branch taken"


def _json(value: Any) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_SHOWN_JSON else text[:MAX_SHOWN_JSON] + "\n… (truncated)"


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def timeline(steps: list[dict[str, str]], now: datetime) -> tuple[list[dict[str, str]], str]:
    """Steps with the position of their bar (percent of the run's span) and the span label."""
    starts = [s for s in (_moment(step["started_at"]) for step in steps) if s]
    if not starts:
        return [], "0 s"
    origin = min(starts)
    ends = [(_moment(step["finished_at"]) or now) for step in steps if step["started_at"]]
    span = max((max(ends) - origin).total_seconds(), 0.001)
    placed = []
    for step in steps:
        started = _moment(step["started_at"])
        if started is None:
            continue
        finished = _moment(step["finished_at"]) or now
        left = (started - origin).total_seconds() / span * 100
        width = max((finished - started).total_seconds() / span * 100, MIN_BAR_PERCENT)
        placed.append({**step, "left": f"{left:.2f}%", "width": f"{min(width, 100 - left):.2f}%"})
    return placed, duration(span)


def step_summary(step: dict[str, Any], seconds: float | None) -> str:
    """The line beside a step's name: attempts, time, cost and tokens, or that it was
    skipped (its zeros would read as a step that ran and did nothing)."""
    if step["status"] == "skipped":
        return SKIPPED_SUMMARY
    tokens = f"{step['prompt_tokens']} + {step['completion_tokens']}"
    return (
        f"×{step['attempts']} · {duration(seconds)} · {money(step['cost_usd'])} · {tokens} tokens"
    )


def version_label(workflow_id: str | None, version: int | None) -> str:
    """The version a run ran: a published number, the draft, or a dash for a document
    that was run without being a saved workflow."""
    if version:
        return f"version {version}"
    return "draft" if workflow_id else "–"


def _step_row(step: dict[str, Any], labels: dict[str, str]) -> dict[str, str]:
    started, finished = _moment(step["started_at"]), _moment(step["finished_at"])
    seconds = (finished - started).total_seconds() if started and finished else None
    skipped = step["status"] == "skipped"
    return {
        "node": step["node"],
        # A node missing from the document (one inside a subflow body) goes by its id.
        "label": labels.get(step["node"], step["node"]),
        "status": step["status"],
        "started_at": step["started_at"] or "",
        "finished_at": step["finished_at"] or "",
        "attempts": str(step["attempts"]),
        "duration": "skipped" if skipped else duration(seconds),
        "summary": step_summary(step, seconds),
        "cost": money(step["cost_usd"]),
        "tokens": f"{step['prompt_tokens']} + {step['completion_tokens']}",
        "input": _json(step["input"]),
        "output": _json(step["output"]),
        "error": _json(step["error"]) if step["error"] else "",
        **_error_parts(step["error"]),
    }


def _error_parts(error: Any) -> dict[str, str]:
    """The error's type and message as text, for the callout that may link to a fix."""
    if not isinstance(error, dict):
        return {"error_type": "", "error_message": ""}
    return {
        "error_type": str(error.get("type", "")),
        "error_message": str(error.get("message", "")),
    }


class RunDetailState(rx.State):
    run: dict[str, str] = {}
    steps: list[dict[str, str]] = []
    bars: list[dict[str, str]] = []
    span: str = ""
    events: list[dict[str, str]] = []
    last_event_id: int = 0
    found: bool = True
    terminal: bool = False
    waiting_nodes: list[str] = []
    selected: str = ""
    rerun_node: str = ""
    notice: str = ""
    # What the run ran (its workflow, version and node labels): read once per run, as
    # the stored document of a run never changes.
    origin: dict[str, str] = {}
    _origin_of: str = ""
    _node_labels: dict[str, str] = {}

    def _run_uuid(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(str(self.router.page.params.get("run_id", "")))
        except ValueError:
            return None

    @rx.event
    async def load(self) -> None:
        self.events, self.last_event_id, self.selected, self.notice = [], 0, "", ""
        await self._reread()

    @rx.event
    async def refresh(self, _tick: Any = None) -> None:
        await self._reread()

    async def _reread(self) -> None:
        run_id = self._run_uuid()
        actor = await current_actor(self)
        try:
            if run_id is None or actor is None:
                raise RunNotFound(str(self.router.page.params.get("run_id", "")))
            check(actor, Action.RUN_READ)
            org = actor.org_id
            view = await asyncio.to_thread(describe_run, database_url(), run_id, org_id=org)
            if self._origin_of != str(run_id):
                self._keep_origin(
                    await asyncio.to_thread(run_origin, database_url(), run_id, org_id=org)
                )
                self._origin_of = str(run_id)
            new_events = await asyncio.to_thread(
                events_after, database_url(), run_id, self.last_event_id, org_id=org
            )
        except AgentFlowError:
            self.found = False
            return
        self.found = True
        self._show(view, new_events)

    def _keep_origin(self, origin: dict[str, Any]) -> None:
        workflow_id = origin["workflow_id"]
        self.origin = {
            "workflow": origin["workflow"],
            "href": f"/workflows/{workflow_id}" if workflow_id else "",
            "version": version_label(workflow_id, origin["workflow_version"]),
        }
        self._node_labels = origin["node_labels"]

    def _show(self, view: dict[str, Any], new_events: list[dict[str, Any]]) -> None:
        started, finished = _moment(view["started_at"]), _moment(view["finished_at"])
        self.run = {
            "id": view["run_id"],
            "status": view["status"],
            "started": timestamp(started),
            "duration": duration((finished - started).total_seconds())
            if started and finished
            else "running"
            if started
            else "–",
            "cost": money(view["cost_usd"]),
            "tokens": f"{view['prompt_tokens']} + {view['completion_tokens']}",
            "output": _json(view["output"]),
            "error": _json(view["error"]) if view["error"] else "",
            **_error_parts(view["error"]),
        }
        self.terminal = view["status"] in TERMINAL_RUN_STATUSES
        self.steps = [_step_row(step, self._node_labels) for step in view["steps"]]
        self.bars, self.span = timeline(self.steps, datetime.now(UTC))
        self.waiting_nodes = [s["node"] for s in view["steps"] if s["status"] == "waiting"]
        for event in new_events:
            self.events.append(
                {
                    "id": str(event["id"]),
                    "at": event["at"][11:23],
                    "what": event["node"] or "run",
                    "status": event["status"],
                }
            )
            self.last_event_id = event["id"]
        if not self.rerun_node and self.steps:
            failed = [s["node"] for s in self.steps if s["status"] == "failed"]
            self.rerun_node = failed[0] if failed else self.steps[-1]["node"]

    @rx.event
    def select(self, node: str) -> None:
        self.selected = "" if self.selected == node else node

    @rx.event
    def set_rerun_node(self, node: str) -> None:
        self.rerun_node = node

    async def _acting(self) -> tuple[Actor, uuid.UUID] | None:
        run_id, actor = self._run_uuid(), await current_actor(self)
        return (actor, run_id) if run_id and actor else None

    @rx.event
    async def cancel(self) -> None:
        acting = await self._acting()
        if acting is None:
            return
        try:
            state = await run_actions.cancel(*acting)
        except AgentFlowError as exc:
            self.notice = exc.message
            return
        self.notice = "Cancelled." if state == "cancelled" else "Cancelling…"
        await self._reread()

    @rx.event
    async def decide(self, node: str, approved: bool) -> None:
        acting = await self._acting()
        if acting is None:
            return
        try:
            await run_actions.decide(*acting, node, approved=approved)
        except AgentFlowError as exc:
            self.notice = exc.message
            return
        self.notice = f"{'Approved' if approved else 'Rejected'} {node}."
        await self._reread()

    @rx.event
    async def rerun(self) -> Any:
        acting = await self._acting()
        if acting is None or not self.rerun_node:
            return None
        try:
            new_run = await run_actions.rerun(*acting, self.rerun_node)
        except AgentFlowError as exc:
            self.notice = exc.message
            return None
        return rx.redirect(f"/executions/{new_run}")
