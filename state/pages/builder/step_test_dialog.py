"""The Test step button and its dialog: the pinned data, the problems, Run step."""

from __future__ import annotations

import reflex as rx

from components.problems import problem_list
from state.pages.builder.form import NodeFormState
from state.pages.builder.step_test import StepTestState


def test_step_button() -> rx.Component:
    """Under the node's description; a trigger has nothing to test alone."""
    return rx.cond(
        NodeFormState.node_type != "trigger",
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
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Test step ", rx.code(state.node_key)),
            rx.dialog.description(
                "Runs this node alone on the worker pool. Nothing before or after it runs: "
                'give the run input and, under "nodes", the output each node before it '
                "should have had (any JSON, whatever the node's type).",
                size="2",
            ),
            rx.vstack(
                rx.cond(
                    state.upstream.length() > 0,  # type: ignore[attr-defined]
                    rx.text(
                        "Pinned: ",
                        rx.foreach(state.upstream, lambda node: rx.code(node, margin_right="4px")),
                        size="1",
                        color=rx.color("gray", 11),
                    ),
                ),
                rx.text_area(
                    value=state.data_text,
                    on_change=state.set_data_text,
                    rows="12",
                    font_family="var(--code-font-family)",
                    width="100%",
                    data_testid="step-test-data",
                    aria_label="Pinned data for the step (JSON)",
                ),
                rx.cond(
                    state.error != "",
                    rx.text(
                        state.error,
                        color=rx.color("red", 11),
                        size="2",
                        data_testid="step-test-error",
                    ),
                ),
                rx.cond(
                    state.problems.length() > 0,  # type: ignore[attr-defined]
                    problem_list(state.problems, "step-test-problems"),
                ),
                rx.hstack(
                    rx.spacer(),
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    rx.button(
                        rx.icon("play", size=14),
                        "Run step",
                        on_click=state.start,
                        loading=state.starting,
                        data_testid="start-step-test",
                    ),
                    width="100%",
                ),
                spacing="3",
                padding_top="12px",
            ),
            max_width="600px",
        ),
        open=state.dialog_open,
        on_open_change=state.set_dialog_open,
    )
