"""The builder's right-hand panel: problems, the selected node's form and run step,
or the workflow's own settings when no node is selected.

Every label, description and value is rendered as text, never as HTML.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from agentflow.llm.catalog import SETTINGS_PATH
from agentflow.services.workflows.node_forms import UNSET
from components.canvas import template_field
from components.model_picker import model_datalist, model_input
from components.step_error import step_error
from state.pages.builder.form import NodeFormState
from state.pages.builder.run import BuilderRunState
from state.pages.builder.state import BuilderState
from state.pages.builder.step_test_dialog import test_step_button, test_step_dialog

# State vars and event handlers are typed loosely here: mypy sees a state class's
# attributes as plain Python values, Reflex turns them into Vars and EventHandlers.
TextHandler = Any
FlagHandler = Any

TEMPLATE_WIDGETS = ("template", "template_any", "template_number", "json", "expression")


def _section_title(text: str) -> rx.Component:
    return rx.text(
        text,
        size="1",
        weight="bold",
        color=rx.color("gray", 10),
        text_transform="uppercase",
        letter_spacing="0.04em",
        padding_top="8px",
    )


def _input(
    field: ObjectVar[dict[str, Any]],
    on_text: TextHandler,
    on_flag: FlagHandler,
    suggestions: Any,
    scope: Any,
) -> rx.Component:
    key = field["key"].to(str)
    test_id: Any = "field-" + key
    template_kind = rx.match(
        field["widget"],
        ("json", "json"),
        ("template_any", "json"),
        ("expression", "expression"),
        "template",
    )
    return rx.match(
        field["widget"],
        (
            "select",
            rx.select.root(
                rx.select.trigger(width="100%", data_testid=test_id, id=test_id),
                rx.select.content(
                    rx.foreach(
                        field["options"].to(list[str]),
                        lambda option: rx.select.item(
                            rx.cond(option == UNSET, "(not set)", option), value=option
                        ),
                    )
                ),
                value=field["value"].to(str),
                on_change=lambda value: on_text(key, value),
                size="2",
            ),
        ),
        (
            "switch",
            rx.switch(
                checked=field["checked"].to(bool),
                on_change=lambda checked: on_flag(key, checked),
                data_testid=test_id,
                id=test_id,
            ),
        ),
        (
            "lines",
            rx.text_area(
                value=field["value"].to(str),
                on_change=lambda value: on_text(key, value),
                placeholder="One per line",
                rows="3",
                data_testid=test_id,
                id=test_id,
                font_family="var(--code-font-family)",
            ),
        ),
        (
            "model",
            model_input(
                value=field["value"].to(str),
                on_change=lambda value: on_text(key, value),
                data_testid=test_id,
                id=test_id,
                width="100%",
                color_scheme=rx.cond(field["error"].to(str) != "", "red", "gray"),
            ),
        ),
        *[
            (
                widget,
                template_field(
                    value=field["value"].to(str),
                    suggestions=suggestions,
                    mode=template_kind,
                    rows=field["rows"].to(int),
                    placeholder=field["placeholder"].to(str),
                    invalid=field["error"].to(str) != "",
                    reset_key=scope + ":" + key,
                    test_id=test_id,
                    field_id=test_id,
                    on_value_change=lambda value: on_text(key, value),
                ),
            )
            for widget in TEMPLATE_WIDGETS
        ],
        rx.input(
            value=field["value"].to(str),
            on_change=lambda value: on_text(key, value),
            placeholder=field["placeholder"].to(str),
            input_mode=rx.cond(
                (field["widget"] == "number") | (field["widget"] == "integer"), "decimal", "text"
            ),
            data_testid=test_id,
            id=test_id,
            width="100%",
            color_scheme=rx.cond(field["error"].to(str) != "", "red", "gray"),
        ),
    )


def _field_row(
    field: ObjectVar[dict[str, Any]],
    on_text: TextHandler,
    on_flag: FlagHandler,
    suggestions: Any,
    scope: Any,
) -> rx.Component:
    return rx.vstack(
        rx.el.label(
            rx.text(field["label"].to(str), size="2", weight="medium"),
            html_for="field-" + field["key"].to(str),
        ),
        _input(field, on_text, on_flag, suggestions, scope),
        rx.cond(
            field["error"].to(str) != "",
            rx.text(
                field["error"].to(str),
                size="1",
                color=rx.color("red", 11),
                data_testid="field-error-" + field["key"].to(str),
            ),
        ),
        rx.cond(
            field["description"].to(str) != "",
            rx.text(field["description"].to(str), size="1", color=rx.color("gray", 10)),
        ),
        spacing="1",
        width="100%",
    )


def _fields(
    fields: Any,
    section: str,
    on_text: TextHandler,
    on_flag: FlagHandler,
    suggestions: Any,
    scope: Any,
) -> rx.Component:
    return rx.foreach(
        fields,
        lambda field: rx.cond(
            field["section"] == section,
            _field_row(field, on_text, on_flag, suggestions, scope),
        ),
    )


def problems_section() -> rx.Component:
    return rx.cond(
        BuilderState.problem_count > 0,
        rx.vstack(
            rx.hstack(
                rx.icon("circle-alert", size=16, color=rx.color("red", 10)),
                rx.text("Problems", weight="bold", size="2"),
                rx.badge(BuilderState.problem_count, color_scheme="red", variant="solid"),
                align="center",
                spacing="2",
            ),
            rx.vstack(
                rx.foreach(BuilderState.problem_rows, _problem_row),
                spacing="1",
                width="100%",
                max_height="220px",
                overflow_y="auto",
            ),
            flex_shrink="0",
            margin="0 16px 16px",
            width="auto",
            padding="12px",
            border=f"1px solid {rx.color('red', 6)}",
            background=rx.color("red", 2),
            border_radius="8px",
            data_testid="problems-list",
        ),
    )


def _problem_row(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.box(
        rx.text(row["where"], size="1", color=rx.color("gray", 11), font_family="monospace"),
        rx.text(row["message"], size="2"),
        on_click=BuilderState.select_problem(row["node"]),
        cursor=rx.cond(row["node"] != "", "pointer", "default"),
        padding="4px 6px",
        border_radius="6px",
        width="100%",
        _hover={"background": rx.color("red", 4)},
        data_testid="problem-row",
    )


def _detail_block(title: str, value: Any, test_id: str) -> rx.Component:
    return rx.cond(
        value != "",
        rx.vstack(
            rx.text(title, size="1", weight="bold", color=rx.color("gray", 11)),
            rx.el.pre(
                value,
                data_testid=test_id,
                style={
                    "margin": "0",
                    "padding": "8px",
                    "width": "100%",
                    "max_height": "220px",
                    "overflow": "auto",
                    "font_size": "12px",
                    "background": rx.color("gray", 3),
                    "border_radius": "6px",
                    "white_space": "pre-wrap",
                    "word_break": "break-word",
                },
            ),
            spacing="1",
            width="100%",
        ),
    )


def _stat(label: str, value: Any) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color=rx.color("gray", 10)),
        rx.text(value, size="2", weight="medium"),
        spacing="0",
    )


def step_section() -> rx.Component:
    step = BuilderRunState.step
    return rx.cond(
        (BuilderRunState.test_run_id != "") & (BuilderRunState.step_node == NodeFormState.node_key),
        rx.vstack(
            rx.hstack(
                _section_title("Last test run"),
                rx.spacer(),
                rx.cond(
                    step.contains("status"),  # type: ignore[attr-defined]
                    rx.badge(step["status"], data_testid="step-status", variant="soft"),
                    rx.badge("not run", color_scheme="gray", data_testid="step-status"),
                ),
                width="100%",
                align="center",
            ),
            rx.cond(
                step.contains("status"),  # type: ignore[attr-defined]
                rx.vstack(
                    rx.hstack(
                        _stat("Duration", step["duration"]),
                        _stat("Attempts", step["attempts"]),
                        _stat("Tokens", step["tokens"]),
                        _stat("Cost", step["cost"]),
                        spacing="4",
                        wrap="wrap",
                    ),
                    rx.cond(
                        step["error_message"] != "",
                        step_error(step["error_type"], step["error_message"], "step-error"),
                    ),
                    _detail_block("Resolved input", step["input"], "step-input"),
                    _detail_block("Output", step["output"], "step-output"),
                    spacing="2",
                    width="100%",
                ),
            ),
            rx.cond(
                (step["status"] == "waiting") & (NodeFormState.node_type == "approval"),
                rx.hstack(
                    rx.button(
                        "Approve",
                        color_scheme="green",
                        on_click=BuilderRunState.decide(NodeFormState.node_key, True),
                    ),
                    rx.button(
                        "Reject",
                        color_scheme="red",
                        variant="soft",
                        on_click=BuilderRunState.decide(NodeFormState.node_key, False),
                    ),
                ),
            ),
            rx.cond(
                BuilderRunState.can_rerun,
                rx.button(
                    rx.icon("rotate-ccw", size=14),
                    "Rerun from this node",
                    variant="soft",
                    on_click=BuilderRunState.rerun_from(NodeFormState.node_key),
                    data_testid="rerun-from-node",
                ),
            ),
            width="100%",
            spacing="2",
            padding="12px",
            border=f"1px solid {rx.color('gray', 5)}",
            border_radius="8px",
            data_testid="step-panel",
        ),
    )


def _schedule_preview() -> rx.Component:
    """Under a schedule trigger: when it runs, in words and as the next five times."""
    return rx.cond(
        NodeFormState.schedule_text != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("calendar-clock")),
            rx.callout.text(NodeFormState.schedule_text, weight="medium"),
            rx.foreach(NodeFormState.schedule_times, lambda t: rx.text(t, size="1")),
            rx.text(
                "Runs the published version. ",
                rx.link("Pause or resume on the Schedules page", href="/schedules"),
                size="1",
            ),
            size="1",
            width="100%",
            data_testid="schedule-preview",
        ),
    )


def node_panel() -> rx.Component:
    state = NodeFormState
    scope = state.node_key
    return rx.vstack(
        rx.hstack(
            rx.box(
                rx.icon(state.node_icon, size=18),
                color=rx.color("accent", 11),
                background=rx.color("accent", 3),
                padding="6px",
                border_radius="8px",
                display="flex",
            ),
            rx.vstack(
                rx.text(state.node_title, weight="bold", size="3"),
                rx.text(
                    state.node_id, size="1", color=rx.color("gray", 10), font_family="monospace"
                ),
                spacing="0",
            ),
            rx.spacer(),
            rx.icon_button(
                rx.icon("trash-2", size=16),
                variant="ghost",
                color_scheme="red",
                on_click=BuilderState.delete_node(state.node_key),
                aria_label="Delete node",
                title="Delete node",
                data_testid="panel-delete-node",
            ),
            width="100%",
            align="center",
        ),
        rx.text(state.node_description, size="2", color=rx.color("gray", 11)),
        test_step_button(),
        test_step_dialog(),
        step_section(),
        _schedule_preview(),
        _fields(
            state.fields,
            "general",
            NodeFormState.set_field,
            NodeFormState.set_flag,
            state.suggestions,
            scope,
        ),
        _section_title("Configuration"),
        _fields(
            state.fields,
            "config",
            NodeFormState.set_field,
            NodeFormState.set_flag,
            state.suggestions,
            scope,
        ),
        rx.cond(
            (state.node_type == "llm") & (state.model_choices.length() == 0),  # type: ignore[attr-defined]
            rx.text(
                "No model provider is set up for your organisation yet: ",
                rx.link("set one up in Settings → Model providers", href=SETTINGS_PATH),
                ".",
                size="1",
                color=rx.color("gray", 11),
                data_testid="no-model-providers",
            ),
        ),
        _section_title("Errors and retries"),
        _fields(
            state.fields,
            "policy",
            NodeFormState.set_field,
            NodeFormState.set_flag,
            state.suggestions,
            scope,
        ),
        # After the fields, so that problems coming and going while someone types
        # never move the field being typed in.
        rx.cond(
            BuilderState.problems.contains(state.node_key),  # type: ignore[attr-defined]
            rx.callout(
                rx.foreach(
                    BuilderState.problems[state.node_key].to(list[str]),  # type: ignore[attr-defined]
                    lambda message: rx.text(message, size="1"),
                ),
                icon="circle-alert",
                color_scheme="red",
                size="1",
                width="100%",
                data_testid="node-panel-problems",
            ),
        ),
        spacing="3",
        width="100%",
        data_testid="node-panel",
    )


def workflow_panel() -> rx.Component:
    state = NodeFormState
    return rx.vstack(
        rx.hstack(
            rx.icon("workflow", size=18, color=rx.color("accent", 11)),
            rx.text("Workflow", weight="bold", size="3"),
            align="center",
        ),
        rx.text(
            "Select a node to configure it. These settings apply to the whole workflow.",
            size="2",
            color=rx.color("gray", 11),
        ),
        _fields(
            state.workflow_fields,
            "general",
            NodeFormState.set_workflow_field,
            NodeFormState.set_flag,
            state.all_suggestions,
            rx.Var.create("workflow"),
        ),
        _section_title("Run limits"),
        _fields(
            state.workflow_fields,
            "policy",
            NodeFormState.set_workflow_field,
            NodeFormState.set_flag,
            state.all_suggestions,
            rx.Var.create("workflow"),
        ),
        spacing="3",
        width="100%",
        data_testid="workflow-panel",
    )


def right_panel() -> rx.Component:
    # The problems sit below the form's scroll area rather than above the form: when
    # they come and go while someone types, the area shrinks at its bottom and the
    # fields stay where they are.
    return rx.flex(
        rx.box(
            rx.cond(NodeFormState.node_key != "", node_panel(), workflow_panel()),
            flex="1",
            min_height="0",
            overflow_y="auto",
            padding="16px",
        ),
        problems_section(),
        # Once for the page, outside the form that changes with the selection, so the
        # suggestions stay mounted while one node's form gives way to another's.
        model_datalist(NodeFormState.model_choices),
        direction="column",
        width="360px",
        min_width="360px",
        height="100%",
        border_left=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
    )
