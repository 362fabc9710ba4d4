"""Executions → Failed runs: filter the failures, select some, rerun them (confirmed)."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from components.dialogs import dialog_footer
from components.empty_state import empty_state
from components.list_table import rows_table
from components.shell import page_frame
from components.status import status_badge
from state.pages.runs.failed import TRIGGERS
from state.pages.runs.failed import FailedRunsState as S
from state.pages.runs.filters import pager, run_dates, workflow_select
from state.pages.runs.lists import ALL

HEADERS = ("", "Run", "Workflow", "Status", "Trigger", "Created", "Failed step", "Error")


def _row(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.checkbox(
                checked=S.selected.contains(row["run_id"]),  # type: ignore[attr-defined]
                on_change=lambda checked: S.toggle(row["run_id"], checked),
                aria_label="Select run " + row["short_id"],
                data_testid="select-run",
            )
        ),
        rx.table.cell(rx.link(row["short_id"], href="/executions/" + row["run_id"])),
        rx.table.cell(rx.text(row["workflow"])),
        rx.table.cell(status_badge(row["status"])),
        rx.table.cell(rx.text(row["trigger"])),
        rx.table.cell(rx.text(row["created"], size="2")),
        rx.table.cell(rx.code(row["failed_node"])),
        rx.table.cell(rx.text(row["error"], size="1", color=rx.color("red", 11))),
        data_testid="failed-run-row",
    )


def _filters() -> rx.Component:
    return rx.hstack(
        workflow_select(S),
        rx.select.root(
            rx.select.trigger(
                placeholder="Trigger", aria_label="Filter by trigger", data_testid="trigger-filter"
            ),
            rx.select.content(
                rx.select.item("All triggers", value=ALL),
                *[rx.select.item(trigger, value=trigger) for trigger in TRIGGERS],
            ),
            value=S.trigger_filter,
            on_change=S.set_trigger_filter,
        ),
        rx.input(
            placeholder="Error contains…",
            aria_label="Filter by error message",
            value=S.error_filter,
            on_change=S.set_error_filter.debounce(300),  # type: ignore[attr-defined]
            width="180px",
            data_testid="error-filter",
        ),
        run_dates(S),
        width="100%",
        align="center",
        wrap="wrap",
    )


def _actions() -> rx.Component:
    return rx.hstack(
        rx.checkbox(
            "Select all on this page",
            checked=S.all_selected,
            on_change=S.toggle_all,
            data_testid="select-all",
        ),
        rx.spacer(),
        rx.text(S.total, " failed runs", size="2", color=rx.color("gray", 11)),
        rx.button(
            rx.icon("rotate-ccw", size=14),
            "Rerun selected (",
            S.selected.length(),  # type: ignore[attr-defined]
            ")",
            on_click=S.ask_rerun,
            disabled=S.selected.length() == 0,  # type: ignore[attr-defined]
            loading=S.rerunning,
            data_testid="bulk-rerun",
        ),
        width="100%",
        align="center",
    )


def _confirm() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Rerun the selected runs?"),
            rx.alert_dialog.description(
                rx.text(
                    S.selected.length(),  # type: ignore[attr-defined]
                    " run(s) start again from the step that failed, with the same input; "
                    "the steps before it are reused, not executed again.",
                )
            ),
            dialog_footer(
                rx.button("Cancel", variant="soft", color_scheme="gray", on_click=S.cancel_rerun),
                rx.button("Rerun", on_click=S.confirm_rerun, data_testid="confirm-bulk-rerun"),
            ),
        ),
        open=S.confirming,
    )


def failed_runs_page() -> rx.Component:
    return page_frame(
        "Failed runs",
        "Runs that failed or timed out: find what they share and run them again.",
        rx.link("← All executions", href="/executions", size="2"),
        _filters(),
        rx.cond(
            S.message != "",
            rx.callout(
                S.message, color_scheme="green", width="100%", data_testid="bulk-rerun-message"
            ),
        ),
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", width="100%")),
        rx.cond(
            ~S.loaded,
            rx.hstack(rx.spinner(), rx.text("Loading failed runs")),
            rx.cond(
                S.total > 0,
                rx.vstack(
                    _actions(),
                    rows_table(HEADERS, S.rows, _row, data_testid="failed-runs-table"),
                    pager(S),
                    width="100%",
                ),
                empty_state(
                    icon="circle-check",
                    title="No failed runs",
                    explanation="Nothing matches these filters. Runs that fail or time out "
                    "appear here, with the step that failed and its error.",
                    action_label="See all executions",
                    action_href="/executions",
                ),
            ),
        ),
        _confirm(),
    )
