"""/analytics/workflows/<id>: one workflow's success trend, durations, errors and
its slowest and most expensive nodes."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from components.empty_state import empty_state
from components.shell import page_frame
from state.pages.analytics.parts import chart_card, export_menu, period_picker, summary_card
from state.pages.analytics.workflow import WorkflowAnalyticsState as S


def _node_row(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.code(row["node"])),
        rx.table.cell(row["p95"]),
        rx.table.cell(row["avg"]),
        rx.table.cell(row["cost"]),
        rx.table.cell(row["steps"]),
        rx.table.cell(row["failures"]),
    )


def _nodes_card(title: str, rows: object, test_id: str) -> rx.Component:
    headers = ("Node", "p95", "Average", "Cost", "Executions", "Failures")
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(title, size="3", as_="h2"),
                rx.spacer(),
                export_menu(S.export, "nodes"),
                width="100%",
            ),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
                rx.table.body(rx.foreach(rows, _node_row)),
                width="100%",
            ),
            width="100%",
        ),
        width="100%",
        data_testid=test_id,
    )


def _content() -> rx.Component:
    loading = S.loading
    no_errors = ~S.has_errors
    return rx.vstack(
        rx.hstack(rx.foreach(S.summary_cards, summary_card), width="100%", wrap="wrap"),
        rx.grid(
            chart_card("Success rate", S.trend_figure, dataset="success_trend",
                       on_export=S.export, loading=loading),
            chart_card("Duration distribution", S.durations_figure, dataset="durations",
                       on_export=S.export, loading=loading),
            chart_card("Errors by type", S.error_types_figure, dataset="errors_by_type",
                       on_export=S.export, loading=loading, empty=no_errors,
                       empty_text="No failed step in this period."),
            chart_card("Errors by node", S.error_nodes_figure, dataset="errors_by_node",
                       on_export=S.export, loading=loading, empty=no_errors,
                       empty_text="No failed step in this period."),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="3",
            width="100%",
        ),
        _nodes_card("Slowest nodes (by p95)", S.slowest, "slowest-nodes"),
        _nodes_card("Most expensive nodes", S.most_expensive, "costliest-nodes"),
        width="100%",
        spacing="3",
    )  # fmt: skip


def workflow_analytics_page() -> rx.Component:
    return page_frame(
        "Workflow analytics",
        "Success rate, durations, errors and bottlenecks of one workflow.",
        rx.hstack(
            rx.link(rx.hstack(rx.icon("arrow-left", size=14), "All analytics"), href="/analytics"),
            rx.heading(S.workflow_name, size="5", as_="h2", data_testid="workflow-name"),
            align="center",
            spacing="4",
        ),
        period_picker(S),
        rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red")),
        rx.cond(
            ~S.loaded,
            rx.hstack(rx.spinner(), rx.text("Loading analytics")),
            rx.cond(
                S.not_found,
                empty_state(icon="search-x", title="Workflow not found",
                            explanation="It does not exist in this organisation, or it was "
                            "deleted.", action_label="Back to analytics",
                            action_href="/analytics"),
                rx.cond(
                    S.has_data,
                    _content(),
                    empty_state(icon="chart-line", title="No finished runs in this period",
                                explanation="Pick a longer period, or run this workflow.",
                                action_label="Open the workflow",
                                action_href="/workflows/" + S.current_workflow),
                ),
            ),
        ),
    )  # fmt: skip
