"""The builder page, /workflows/[workflow_id]: toolbar, palette + canvas, side panel,
the test-run, publish and versions dialogs."""

from __future__ import annotations

from typing import Any

import reflex as rx

from agentflow.services.workflows.builder import catalog_order, node_catalog
from components.builder_shell import compact_sidebar
from components.canvas import flow_canvas
from components.dialogs import dialog_footer
from components.json_run_dialog import json_run_dialog
from components.problems import problem_list
from state.pages.builder.panel import right_panel
from state.pages.builder.run import BuilderRunState
from state.pages.builder.state import BuilderState
from state.pages.builder.title import workflow_title
from state.pages.builder.versions import BuilderVersionsState
from state.pages.builder.versions_dialog import rollback_confirm, versions_dialog
from state.pages.builder.webhook_panel import rotate_confirm

SAVE_LABELS = (
    ("saved", "check", "green", "Saved"),
    ("unsaved", "pencil", "gray", "Unsaved changes"),
    ("saving", "loader", "gray", "Saving…"),
    ("error", "triangle-alert", "red", "Save failed – retrying"),
)
RUN_COLORS = (
    ("succeeded", "green"),
    ("failed", "red"),
    ("timed_out", "red"),
    ("cancelled", "gray"),
    ("waiting", "amber"),
    ("running", "blue"),
)


def save_indicator() -> rx.Component:
    return rx.match(
        BuilderState.save_status,
        *[
            (
                status,
                rx.badge(
                    rx.icon(icon, size=12),
                    label,
                    color_scheme=color,
                    variant="soft",
                    size="2",
                    data_testid="save-status",
                    data_state=status,
                    title=BuilderState.save_error,
                ),
            )
            for status, icon, color, label in SAVE_LABELS
        ],
        rx.fragment(),
    )


def run_badge() -> rx.Component:
    return rx.cond(
        BuilderRunState.test_run_id != "",
        rx.hstack(
            rx.link(
                rx.badge(
                    rx.icon("activity", size=12),
                    "Run: ",
                    BuilderRunState.run_status,
                    color_scheme=rx.match(BuilderRunState.run_status, *RUN_COLORS, "gray"),
                    variant="surface",
                    size="2",
                    data_testid="run-status",
                    data_state=BuilderRunState.run_status,
                    title=BuilderRunState.run_error,
                ),
                href="/executions/" + BuilderRunState.test_run_id,
                aria_label="Open this run",
                data_testid="run-status-link",
            ),
            rx.cond(
                BuilderRunState.run_active,
                rx.button("Cancel", size="1", variant="ghost", on_click=BuilderRunState.cancel),
                rx.button(
                    "Clear",
                    size="1",
                    variant="ghost",
                    on_click=BuilderRunState.clear,
                    data_testid="clear-run",
                ),
            ),
            align="center",
            spacing="1",
        ),
    )


def _recent_run(run: Any) -> rx.Component:
    return rx.menu.item(
        rx.hstack(
            rx.badge(
                run["status"],
                color_scheme=rx.match(run["status"], *RUN_COLORS, "gray"),
                variant="soft",
                size="1",
            ),
            rx.text(run["when"], size="2"),
            rx.text(run["trigger"], size="1", color=rx.color("gray", 10)),
            spacing="2",
            align="center",
        ),
        on_select=BuilderRunState.show_run(run["id"]),  # type: ignore[operator]
        data_testid="recent-run",
    )


def recent_runs_menu() -> rx.Component:
    """This workflow's latest runs: choosing one paints its states on the canvas."""
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("list", size=14),
                "Runs",
                variant="soft",
                color_scheme="gray",
                data_testid="recent-runs",
            )
        ),
        rx.menu.content(
            rx.cond(
                BuilderRunState.recent_runs.length() > 0,  # type: ignore[attr-defined]
                rx.foreach(BuilderRunState.recent_runs, _recent_run),
                rx.menu.item("No runs yet: start a test run.", disabled=True),
            ),
        ),
        on_open_change=BuilderRunState.refresh_recent,
    )


def toolbar() -> rx.Component:
    return rx.hstack(
        rx.link(
            rx.icon("arrow-left", size=18),
            href="/workflows",
            color=rx.color("gray", 11),
            aria_label="Back to workflows",
            display="flex",
        ),
        workflow_title(),
        save_indicator(),
        rx.spacer(),
        run_badge(),
        recent_runs_menu(),
        rx.button(
            rx.icon("network", size=14),
            "Auto-layout",
            variant="soft",
            color_scheme="gray",
            on_click=BuilderState.auto_layout,
            data_testid="auto-layout",
        ),
        rx.button(
            rx.icon("play", size=14),
            "Test run",
            variant="soft",
            on_click=BuilderRunState.open_dialog,
            data_testid="open-test-run",
        ),
        rx.button(
            rx.icon("history", size=14),
            "Versions",
            variant="soft",
            color_scheme="gray",
            on_click=BuilderVersionsState.open_dialog,
            data_testid="open-versions",
        ),
        rx.button(
            rx.icon("upload", size=14),
            "Publish",
            on_click=BuilderState.publish,
            data_testid="publish",
        ),
        width="100%",
        align="center",
        spacing="3",
        padding="10px 16px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
    )


def test_run_dialog() -> rx.Component:
    state = BuilderRunState
    return json_run_dialog(
        title="Test run",
        description="Runs the current draft on the worker pool with this input. The input is "
        "prefilled from the workflow's inputs schema.",
        text=state.input_text,
        on_text=state.set_input_text,
        text_label="Run input (JSON)",
        error=state.input_error,
        problems=state.run_problems,
        run_label="Run",
        on_run=state.start,
        running=state.starting,
        is_open=state.dialog_open,
        on_open_change=state.set_dialog_open,
        test_ids=("run-input", "run-input-error", "run-problems", "start-run"),
        beside_cancel=rx.button(
            "Reset to schema sample", variant="ghost", on_click=state.reset_input
        ),
    )


def publish_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Cannot publish yet"),
            rx.dialog.description(BuilderState.publish_message, size="2"),
            problem_list(BuilderState.publish_problems, "publish-problems"),
            dialog_footer(rx.dialog.close(rx.button("Close", variant="soft"))),
            max_width="560px",
            data_testid="publish-dialog",
        ),
        open=BuilderState.publish_open,
        on_open_change=BuilderState.set_publish_open,
    )


def canvas() -> rx.Component:
    return flow_canvas(
        graph=BuilderState.graph,
        patch=BuilderState.patch,
        node_types=node_catalog(),
        type_order=catalog_order(),
        problems=BuilderState.problems,
        run_states=BuilderRunState.run_states,
        focus=BuilderState.focus,
        command=BuilderState.command,
        color_mode=rx.color_mode_cond(light="light", dark="dark"),
        dirty=BuilderState.dirty,
        compare=BuilderVersionsState.compare_view,
        on_graph_change=BuilderState.graph_changed,
        on_select=BuilderState.select,
        on_decide=BuilderRunState.decide,
        on_close_compare=BuilderVersionsState.close_compare,
    )


def _not_found() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("file-question", size=40, color=rx.color("gray", 9)),
            rx.heading("Workflow not found", size="5", as_="h1"),
            rx.text(BuilderState.load_error, color=rx.color("gray", 11)),
            rx.link(rx.button("Back to workflows"), href="/workflows"),
            align="center",
            spacing="3",
        ),
        height="100%",
        data_testid="builder-not-found",
    )


def builder_page() -> rx.Component:
    return rx.hstack(
        compact_sidebar(),
        rx.el.main(
            rx.cond(
                BuilderState.load_error != "",
                _not_found(),
                rx.vstack(
                    toolbar(),
                    rx.hstack(
                        rx.box(canvas(), flex="1", min_width="0", height="100%"),
                        right_panel(),
                        spacing="0",
                        width="100%",
                        flex="1",
                        min_height="0",
                    ),
                    spacing="0",
                    height="100vh",
                    width="100%",
                ),
            ),
            test_run_dialog(),
            publish_dialog(),
            versions_dialog(),
            rollback_confirm(),
            rotate_confirm(),
            style={"flex": "1", "min_width": "0", "height": "100vh", "overflow": "hidden"},
        ),
        spacing="0",
        width="100%",
        height="100vh",
        overflow="hidden",
    )
