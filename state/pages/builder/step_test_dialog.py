"""The Test step button and its dialog: the pinned data, the problems, Run step."""

from __future__ import annotations

import reflex as rx

from agentflow.spec.node_types import TRIGGER_TYPE
from components.json_run_dialog import json_run_dialog
from state.pages.builder.form import NodeFormState
from state.pages.builder.step_test import StepTestState


def test_step_button() -> rx.Component:
    """Under the node's description; a trigger has nothing to test alone."""
    return rx.cond(
        NodeFormState.node_type != TRIGGER_TYPE,
        rx.button(
            rx.icon("flask-conical", size=14),
            "Test step",
            variant="soft",
            size="1",
            on_click=StepTestState.open_for(NodeFormState.node_key),  # type: ignore[operator]
            data_testid="open-step-test",
        ),
    )


def test_step_dialog() -> rx.Component:
    state = StepTestState
    pinned_names = rx.cond(
        state.upstream.length() > 0,  # type: ignore[attr-defined]
        rx.text(
            "Pinned: ",
            rx.foreach(state.upstream, lambda node: rx.code(node, margin_right="4px")),
            size="1",
            color=rx.color("gray", 11),
        ),
    )
    return json_run_dialog(
        title=rx.fragment("Test step ", rx.code(state.node_key)),
        description="Runs this node alone on the worker pool. Nothing before or after it runs: "
        'give the run input and, under "nodes", the output each node before it '
        "should have had (any JSON, whatever the node's type).",
        text=state.data_text,
        on_text=state.set_data_text,
        text_label="Pinned data for the step (JSON)",
        error=state.error,
        problems=state.problems,
        run_label="Run step",
        on_run=state.start,
        running=state.starting,
        is_open=state.dialog_open,
        on_open_change=state.set_dialog_open,
        test_ids=("step-test-data", "step-test-error", "step-test-problems", "start-step-test"),
        above_text=pinned_names,
        rows="12",
        max_width="600px",
    )
