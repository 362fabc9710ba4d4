"""Test step: run the selected node alone, with pinned data for what comes before it.

The dialog holds one JSON object, ``{"input": ..., "nodes": {<upstream id>: output}}``,
prefilled from the test-run input and from the outputs of the run shown on the
canvas (null where there is none). What was typed is kept per node while the
workflow is open, so testing a step again starts from the data pinned last time.
The run itself is an ordinary run (services.runs.step_test); the builder follows it
like a test run, so the node's panel shows its output.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

import reflex as rx

from agentflow.errors import AgentFlowError, Forbidden
from agentflow.services.runs.lifecycle import InvalidRunRequest
from agentflow.services.runs.step_test import StepNotTestable, pinnable, upstream_of
from agentflow.services.workflows import builder as builder_service
from agentflow.spec import safe_input
from state.pages.builder.run import BuilderRunState, remember_run
from state.pages.builder.state import BuilderState
from state.pages.runs import actions as run_actions
from state.session import current_actor

DATA_KEYS = frozenset({"input", "nodes"})


def pinned_template(
    run_input: Any, pinned: list[str], steps: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """The data a first test of a step starts from: each pinned node's output in the
    shown run, or null."""
    return {
        "input": run_input,
        "nodes": {node: (steps.get(node) or {}).get("output") for node in pinned},
    }


def parse_pinned(text: str) -> tuple[Any, dict[str, Any]]:
    """(run input, upstream outputs) from the dialog's text; ValueError says what is wrong."""
    try:
        data = safe_input.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise ValueError(f"The data is not valid JSON: {exc.msg} (line {exc.lineno})") from exc
    except safe_input.UnsafeInput as exc:
        raise ValueError(f"The data cannot be used: {exc.describe()}") from None
    if not isinstance(data, dict):
        raise ValueError('The data must be an object: {"input": ..., "nodes": {...}}')
    extra = sorted(set(data) - DATA_KEYS)
    if extra:
        raise ValueError(f'The data has {", ".join(extra)}: only "input" and "nodes" are read')
    nodes = data.get("nodes") or {}
    if not isinstance(nodes, dict):
        raise ValueError('"nodes" must be an object: each upstream node\'s id and its output')
    return data.get("input"), nodes


class StepTestState(rx.State):
    dialog_open: bool = False
    node_key: str = ""
    data_text: str = ""
    error: str = ""
    problems: list[dict[str, str]] = []
    starting: bool = False
    # The upstream nodes whose output the data pins, to name them in the dialog.
    upstream: list[str] = []

    _pinned: dict[str, str] = {}  # per node key, the text last run with
    _workflow: str = ""

    def _node_id(self, document: Mapping[str, Any], key: str) -> str | None:
        index = builder_service.node_index(document, key)
        if index is None:
            return None
        node = document["nodes"][index]
        return str(node.get("id") or key)

    @rx.event
    async def open_for(self, key: str) -> Any:
        builder = await self.get_state(BuilderState)
        run = await self.get_state(BuilderRunState)
        document = builder.document()
        if self._workflow != builder.current_workflow:
            self._workflow, self._pinned = builder.current_workflow, {}
        node_id = self._node_id(document, key)
        if node_id is None:
            return None
        try:
            upstream = upstream_of(document, node_id)
        except StepNotTestable as exc:
            return rx.toast.error(exc.message)
        self.node_key, self.upstream = key, upstream
        self.error, self.problems = "", []
        if key in self._pinned:
            self.data_text = self._pinned[key]
        else:
            try:
                run_input = json.loads(run.input_text) if run.input_text.strip() else None
            except json.JSONDecodeError:
                run_input = None
            if run_input is None:
                run_input = builder_service.sample_input(document.get("inputs"))
            pinned = pinnable(document, upstream)
            template = pinned_template(run_input, pinned, run.shown_steps())
            self.data_text = json.dumps(template, indent=2, ensure_ascii=False, default=str)
        self.dialog_open = True
        return None

    @rx.event
    def set_dialog_open(self, value: bool) -> None:
        self.dialog_open = value

    @rx.event
    def set_data_text(self, value: str) -> None:
        self.data_text = value
        self.error, self.problems = "", []

    @rx.event
    async def start(self) -> Any:
        self.error, self.problems = "", []
        try:
            run_input, outputs = parse_pinned(self.data_text)
        except ValueError as exc:
            self.error = str(exc)
            return
        builder = await self.get_state(BuilderState)
        document = builder.document()
        node_id = self._node_id(document, self.node_key)
        if node_id is None:
            self.error = "This node is no longer in the workflow."
            return
        self.starting = True
        yield
        try:
            actor = await current_actor(self)
            if actor is None:
                raise Forbidden("your session has ended: log in again")
            run_id = await run_actions.test_step(
                actor,
                document,
                node_id,
                run_input=run_input,
                outputs=outputs,
                workflow_id=uuid.UUID(builder.current_workflow),
            )
        except InvalidRunRequest as exc:
            self.problems = builder_service.problem_rows(exc.problems, document)
            self.error = "The step was not run: fix these problems first."
            self.starting = False
            return
        except AgentFlowError as exc:
            self.error = f"The step was not run: {exc.message}."
            self.starting = False
            return
        self._pinned[self.node_key] = self.data_text
        self.starting, self.dialog_open = False, False
        run = await self.get_state(BuilderRunState)
        run.step_node = self.node_key
        run.begin(str(run_id), builder_service.node_keys(document))
        await run.load_recent(actor, builder.current_workflow)
        yield [BuilderRunState.follow, remember_run(str(run_id))]
