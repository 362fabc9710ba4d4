"""The Executions page: every run, filtered and paginated, updating live."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from agentflow.services.runs.queries import RUN_STATUSES
from components.empty_state import empty_state
from components.list_table import rows_table
from components.shell import page_frame
from components.status import status_badge
from state.pages.runs.executions import ExecutionsState as S
from state.pages.runs.filters import pager, run_dates, workflow_select
from state.pages.runs.lists import ALL

REFRESH_MS = 2000
HEADERS = ("Run", "Workflow", "Status", "Trigger", "Started", "Duration", "Cost")


def _row(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(row["short_id"], href="/executions/" + row["run_id"])),
        rx.table.cell(row["workflow"]),
        rx.table.cell(status_badge(row["status"])),
        rx.table.cell(row["trigger"]),
        rx.table.cell(row["started"]),
        rx.table.cell(row["duration"]),
        rx.table.cell(row["cost"]),
        data_testid="run-row",
    )


def _filters() -> rx.Component:
    return rx.hstack(
        workflow_select(S),
        rx.select.root(
            rx.select.trigger(
                placeholder="Status", aria_label="Filter by status", data_testid="run-status-filter"
            ),
            rx.select.content(
                rx.select.item("All statuses", value=ALL),
                *[rx.select.item(status, value=status) for status in RUN_STATUSES],
            ),
            value=S.status_filter,
            on_change=S.set_status_filter,
        ),
        run_dates(S),
        rx.link("Failed runs", href="/executions/failed", size="2", data_testid="failed-runs-link"),
        rx.spacer(),
        rx.text(S.total, " runs", size="2", color=rx.color("gray", 11), data_testid="run-total"),
        width="100%",
        align="center",
        wrap="wrap",
    )


def executions_page() -> rx.Component:
    return page_frame(
        "Executions",
        "Every run, live, with each step's input and output.",
        # Re-query every two seconds while the page is open: new runs and status
        # changes appear without a reload.
        rx.moment(interval=REFRESH_MS, on_change=S.refresh, display="none"),
        _filters(),
        rx.cond(S.filter_error != "", rx.text(S.filter_error, color="red", size="2")),
        rx.cond(
            ~S.loaded,
            rx.hstack(rx.spinner(), rx.text("Loading runs")),
            rx.cond(
                S.total > 0,
                rx.vstack(
                    rows_table(HEADERS, S.rows, _row, data_testid="runs-table"),
                    pager(S),
                    width="100%",
                ),
                empty_state(
                    icon="activity",
                    title="No runs match",
                    explanation="Runs appear here as soon as a workflow runs from a click, a "
                    "webhook, a schedule, the API or `agentflow submit`.",
                    action_label="Go to workflows",
                    action_href="/workflows",
                ),
            ),
        ),
    )
