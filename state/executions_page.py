"""The Executions page: every run, filtered and paginated, updating live."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from agentflow.services.run_queries import RUN_STATUSES
from components.empty_state import empty_state
from components.shell import page_frame
from components.status import status_badge
from state.executions import ALL
from state.executions import ExecutionsState as S

REFRESH_MS = 2000


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
        rx.select.root(
            rx.select.trigger(placeholder="Workflow"),
            rx.select.content(
                rx.select.item("All workflows", value=ALL),
                rx.foreach(S.workflow_options, lambda w: rx.select.item(w["name"], value=w["id"])),
            ),
            value=S.workflow_filter,
            on_change=S.set_workflow_filter,
        ),
        rx.select.root(
            rx.select.trigger(placeholder="Status", data_testid="run-status-filter"),
            rx.select.content(
                rx.select.item("All statuses", value=ALL),
                *[rx.select.item(status, value=status) for status in RUN_STATUSES],
            ),
            value=S.status_filter,
            on_change=S.set_status_filter,
        ),
        rx.text("From", size="2"),
        rx.input(type="date", value=S.since, on_change=S.set_since, data_testid="since"),
        rx.text("to", size="2"),
        rx.input(type="date", value=S.until, on_change=S.set_until, data_testid="until"),
        rx.button("Clear", variant="ghost", on_click=S.clear_filters),
        rx.link("Failed runs", href="/executions/failed", size="2", data_testid="failed-runs-link"),
        rx.spacer(),
        rx.text(S.total, " runs", size="2", color=rx.color("gray", 11), data_testid="run-total"),
        width="100%",
        align="center",
        wrap="wrap",
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.button("Previous", variant="soft", on_click=S.previous_page, disabled=S.page <= 1),
        rx.text("Page ", S.page, " of ", S.pages, size="2"),
        rx.button("Next", variant="soft", on_click=S.next_page, disabled=S.page >= S.pages),
        justify="center",
        width="100%",
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
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                *[
                                    rx.table.column_header_cell(h)
                                    for h in (
                                        "Run",
                                        "Workflow",
                                        "Status",
                                        "Trigger",
                                        "Started",
                                        "Duration",
                                        "Cost",
                                    )
                                ]
                            )
                        ),
                        rx.table.body(rx.foreach(S.rows, _row)),
                        width="100%",
                        data_testid="runs-table",
                    ),
                    _pager(),
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
