"""The Analytics page: summary cards, interactive charts, the workflows ranking,
budgets and alert rules, for a chosen period and time zone."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from components.empty_state import empty_state
from components.shell import page_frame
from state.pages.analytics.governance_page import alerts_section, budgets_section
from state.pages.analytics.parts import chart_card, export_menu, period_picker, summary_card
from state.pages.analytics.state import AnalyticsState as S


def _workflow_row(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.cond(
                row["workflow_id"] != "",
                rx.link(
                    row["workflow"],
                    href="/analytics/workflows/" + row["workflow_id"] + S.period_query,
                ),
                rx.text(row["workflow"]),
            )
        ),
        rx.table.cell(row["runs"]),
        rx.table.cell(row["failures"]),
        rx.table.cell(row["failure_rate"]),
        rx.table.cell(row["avg_duration"]),
        rx.table.cell(row["cost"]),
        data_testid="workflow-rank-row",
    )


def _ranking() -> rx.Component:
    headers = ("Workflow", "Runs", "Failures", "Failure rate", "Avg duration", "Cost")
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Workflows", size="3", as_="h2"),
                rx.spacer(),
                export_menu(S.export, "workflows", "Export table"),
                export_menu(S.export, "runs", "Export every run"),
                width="100%",
            ),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
                rx.table.body(rx.foreach(S.workflow_rows, _workflow_row)),
                width="100%",
            ),
            width="100%",
        ),
        width="100%",
        data_testid="workflow-ranking",
    )


def _charts() -> rx.Component:
    loading = S.loading
    return rx.vstack(
        rx.hstack(
            rx.foreach(S.summary_cards, summary_card), width="100%", wrap="wrap", spacing="3"
        ),
        rx.hstack(rx.spacer(), export_menu(S.export, "summary", "Export summary"), width="100%"),
        chart_card("Runs by status", S.runs_figure, dataset="runs_by_status",
                   on_export=S.export, loading=loading),
        rx.grid(
            chart_card("Cost by model", S.cost_model_figure, dataset="cost_by_model",
                       on_export=S.export, loading=loading, empty=~S.has_cost,
                       empty_text="No cost in this period."),
            chart_card("Cost by workflow", S.cost_workflow_figure, dataset="cost_by_workflow",
                       on_export=S.export, loading=loading, empty=~S.has_cost,
                       empty_text="No cost in this period."),
            chart_card("Tokens by provider", S.tokens_figure, dataset="tokens_by_provider",
                       on_export=S.export, loading=loading, empty=~S.has_tokens,
                       empty_text="No model calls in this period."),
            chart_card("Duration distribution", S.durations_figure, dataset="durations",
                       on_export=S.export, loading=loading),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="3",
            width="100%",
        ),
        _ranking(),
        width="100%",
        spacing="3",
    )  # fmt: skip


def analytics_page() -> rx.Component:
    return page_frame(
        "Analytics",
        "Runs, success rates, latency and cost over time; budgets and alerts.",
        period_picker(S),
        rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red")),
        rx.cond(
            ~S.loaded,
            rx.hstack(rx.spinner(), rx.text("Loading analytics"), data_testid="analytics-loading"),
            rx.cond(
                S.has_data,
                _charts(),
                empty_state(
                    icon="chart-line",
                    title="No finished runs in this period",
                    explanation="Charts appear once runs finish. Pick a longer period, or run "
                    "a workflow: runs from the builder, the API, webhooks and schedules all "
                    "count.",
                    action_label="Go to workflows",
                    action_href="/workflows",
                ),
            ),
        ),
        budgets_section(),
        alerts_section(),
    )
