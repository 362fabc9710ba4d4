"""Test runs from the builder: the input dialog, live node states, step details,
approvals from the canvas and "rerun from this node".

A run executes on the worker pool like any other (services.runs.dispatch); this
state follows it by polling ``describe_run`` every 300 ms until it ends.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import datetime
from typing import Any

import reflex as rx

from agentflow.errors import AgentFlowError, Forbidden
from agentflow.services.runs.lifecycle import InvalidRunRequest, RunNotFound, describe_run
from agentflow.services.runs.queries import RunFilter, query_runs
from agentflow.services.tenancy.permissions import Actor
from agentflow.services.workflows import builder as builder_service
from agentflow.services.workflows.management import InvalidWorkflow
from agentflow.spec import safe_input
from components.formatting import relative_time
from state.common import database_url
from state.pages.builder.state import BuilderState
from state.pages.runs import actions as run_actions
from state.session import current_actor

RECENT_RUNS = 10
RUN_PARAM = "run"  # the address keeps the run shown on the canvas: ?run=<id>
POLL_S = 0.3
WAITING_POLL_S = 1.0
FOLLOW_LIMIT_S = 3600
RERUNNABLE = frozenset({"failed", "timed_out", "cancelled"})


class BuilderRunState(rx.State):
    dialog_open: bool = False
    input_text: str = ""
    input_error: str = ""
    run_problems: list[dict[str, str]] = []
    starting: bool = False
    test_run_id: str = ""
    run_status: str = ""
    run_error: str = ""
    run_cost: str = ""
    run_states: dict[str, dict[str, Any]] = {}
    step_node: str = ""
    step: dict[str, str] = {}
    # This workflow's latest runs, newest first: choosing one paints its states.
    recent_runs: list[dict[str, str]] = []

    _steps: dict[str, dict[str, Any]] = {}
    _node_keys: list[str] = []
    _following: str = ""

    def reset_run(self) -> None:
        self.test_run_id = self.run_status = self.run_error = self.run_cost = ""
        self.run_states, self.step, self.step_node = {}, {}, ""
        self._steps, self._node_keys, self._following = {}, [], ""
        self.dialog_open = False

    def forget_workflow(self) -> None:
        """Another workflow opens: its test run starts from its own inputs, not this input."""
        self.reset_run()
        self.input_text, self.input_error, self.run_problems = "", "", []
        self.recent_runs = []

    async def load_recent(self, actor: Actor, workflow_id: str) -> None:
        filters = RunFilter(workflow_id=uuid.UUID(workflow_id), page_size=RECENT_RUNS)
        page = await asyncio.to_thread(query_runs, database_url(), filters, org_id=actor.org_id)
        self.recent_runs = [
            {
                "id": row["run_id"],
                "status": str(row["status"]),
                "when": relative_time(row["created_at"]),
                "trigger": str(row["trigger"]),
            }
            for row in page.rows
        ]

    def restore(self, run_id: str, node_keys: list[str]) -> bool:
        """Show ``run_id`` (from the address) again after a reload; False if it is no id."""
        try:
            uuid.UUID(run_id)
        except ValueError:
            return False
        self.begin(run_id, node_keys)
        return True

    def shown_steps(self) -> dict[str, dict[str, Any]]:
        """The steps of the run on the canvas, by node id (empty when none is shown)."""
        return self._steps

    def show_step(self, key: str) -> None:
        self.step_node = key
        self.step = builder_service.step_detail(self._steps.get(key), datetime.now().astimezone())

    @rx.var
    def can_rerun(self) -> bool:
        return self.run_status in RERUNNABLE and bool(self.step_node) and bool(self.step)

    @rx.var
    def run_active(self) -> bool:
        return self.run_status in builder_service.ACTIVE_RUN_STATUSES

    # -- the dialog -------------------------------------------------------------------------

    @rx.event
    async def open_dialog(self) -> None:
        builder = await self.get_state(BuilderState)
        sample = builder_service.sample_input(builder.document().get("inputs"))
        if not self.input_text.strip():
            self.input_text = json.dumps(sample, indent=2)
        self.input_error, self.run_problems = "", []
        self.dialog_open = True

    @rx.event
    async def reset_input(self) -> None:
        builder = await self.get_state(BuilderState)
        self.input_text = json.dumps(
            builder_service.sample_input(builder.document().get("inputs")), indent=2
        )
        self.input_error, self.run_problems = "", []

    @rx.event
    def set_dialog_open(self, value: bool) -> None:
        self.dialog_open = value

    @rx.event
    def set_input_text(self, value: str) -> None:
        # What the last attempt was refused for no longer describes the edited input.
        self.input_text = value
        self.input_error, self.run_problems = "", []

    @rx.event
    async def start(self) -> Any:
        # Only this attempt's problem is shown: the previous one's go first.
        self.input_error, self.run_problems = "", []
        try:
            run_input = safe_input.parse_json(self.input_text or "null")
        except json.JSONDecodeError as exc:
            self.input_error = f"The input is not valid JSON: {exc.msg} (line {exc.lineno})"
            return
        except safe_input.UnsafeInput as exc:  # nested too deep for the parser
            self.input_error = f"The input cannot be used: {exc.describe()}"
            return
        builder = await self.get_state(BuilderState)
        document = builder.document()
        self.starting = True
        yield
        actor = await current_actor(self)
        try:
            if actor is None:
                raise Forbidden("your session has ended: log in again")
            run_id = await run_actions.start(
                actor, document, run_input, uuid.UUID(builder.current_workflow)
            )
        except Forbidden as exc:
            self.input_error, self.starting = exc.message, False
            return
        except (InvalidRunRequest, InvalidWorkflow) as exc:
            self.run_problems = builder_service.problem_rows(exc.problems, document)
            self.input_error = "The run was not started: fix these problems first."
            self.starting = False
            return
        except AgentFlowError as exc:
            self.input_error = f"The run was not started: {exc.message}."
            self.starting = False
            return
        self.starting = False
        self.dialog_open = False
        self.begin(str(run_id), builder_service.node_keys(document))
        if actor is not None:
            await self.load_recent(actor, builder.current_workflow)
        yield [BuilderRunState.follow, remember_run(str(run_id))]

    @rx.event
    async def refresh_recent(self, is_open: bool) -> None:
        """The list as it is now, each time it opens (runs end and new ones start)."""
        builder = await self.get_state(BuilderState)
        actor = await current_actor(self)
        if is_open and actor is not None and builder.current_workflow:
            await self.load_recent(actor, builder.current_workflow)

    @rx.event
    async def show_run(self, run_id: str) -> Any:
        """Paint one of the recent runs on the canvas (and keep it in the address)."""
        builder = await self.get_state(BuilderState)
        if not any(run["id"] == run_id for run in self.recent_runs):
            return None
        self.begin(run_id, builder_service.node_keys(builder.document()))
        return [BuilderRunState.follow, remember_run(run_id)]

    def begin(self, run_id: str, node_keys: list[str]) -> None:
        """Show ``run_id`` on the canvas from now on (its states start as queued)."""
        self.test_run_id, self.run_status, self.run_error, self.run_cost = run_id, "queued", "", ""
        self._node_keys = node_keys
        self._steps = {}
        self.run_states = {key: {"status": "queued", "duration_ms": None} for key in node_keys}
        self.show_step(self.step_node)

    def _apply(self, run: dict[str, Any]) -> None:
        now = datetime.now().astimezone()
        self.run_status = str(run["status"])
        error = run.get("error") or {}
        self.run_error = str(error.get("message", "")) if isinstance(error, dict) else ""
        self.run_cost = f"${float(run.get('cost_usd') or 0):.6f}"
        self._steps = {step["node"]: step for step in run.get("steps") or []}
        self.run_states = builder_service.run_states(run, self._node_keys, now)
        self.show_step(self.step_node)

    # -- following --------------------------------------------------------------------------

    @rx.event(background=True)
    async def follow(self) -> None:
        async with self:
            run_id = self.test_run_id
            if not run_id or self._following == run_id:
                return
            self._following = run_id
        try:
            await self._follow(run_id)
        finally:
            async with self:
                if self._following == run_id:
                    self._following = ""

    async def _follow(self, run_id: str) -> None:
        actor = await current_actor(self)
        if actor is None:
            return
        deadline = time.monotonic() + FOLLOW_LIMIT_S
        while time.monotonic() < deadline:
            try:
                run = await asyncio.to_thread(
                    describe_run, database_url(), uuid.UUID(run_id), org_id=actor.org_id
                )
            except RunNotFound:
                return
            except Exception:  # the database restarting: try again shortly
                await asyncio.sleep(WAITING_POLL_S)
                continue
            async with self:
                if self.test_run_id != run_id:
                    return  # a newer run replaced this one
                self._apply(run)
                status = self.run_status
            if status not in builder_service.ACTIVE_RUN_STATUSES:
                return
            await asyncio.sleep(WAITING_POLL_S if status == "waiting" else POLL_S)

    # -- acting on a run --------------------------------------------------------------------

    async def _acting(self) -> tuple[Actor, uuid.UUID]:
        actor = await current_actor(self)
        if actor is None:
            raise Forbidden("your session has ended: log in again")
        return actor, uuid.UUID(self.test_run_id)

    @rx.event
    async def decide(self, node: str, approved: bool) -> Any:
        if not self.test_run_id:
            return None
        try:
            await run_actions.decide(*await self._acting(), node, approved=approved)
        except AgentFlowError as exc:
            return rx.toast.error(exc.message)
        return [
            rx.toast.success(f"{'Approved' if approved else 'Rejected'} {node}"),
            BuilderRunState.follow,
        ]

    @rx.event
    async def rerun_from(self, node: str) -> Any:
        if not self.test_run_id or not node:
            return None
        try:
            new_run = await run_actions.rerun(*await self._acting(), node)
        except AgentFlowError as exc:
            return rx.toast.error(exc.message)
        self.begin(str(new_run), list(self._node_keys))
        return BuilderRunState.follow

    @rx.event
    async def cancel(self) -> Any:
        if not self.test_run_id:
            return None
        try:
            await run_actions.cancel(*await self._acting())
        except AgentFlowError as exc:
            return rx.toast.error(exc.message)
        return None

    @rx.event
    def clear(self) -> Any:
        self.reset_run()
        return remember_run("")


def remember_run(run_id: str) -> Any:
    """Put the shown run in the address (or take it out), without a navigation, so a
    reload shows it again."""
    query = f"?{RUN_PARAM}={run_id}" if run_id else ""
    return rx.call_script(
        f"window.history.replaceState(window.history.state, '', "
        f"window.location.pathname + {json.dumps(query)})"
    )
