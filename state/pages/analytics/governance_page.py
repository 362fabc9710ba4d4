"""Budgets and alerts sections of the Analytics page."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from agentflow.services.governance.alerts import METRICS
from components.dialogs import confirm_dialog, dialog_footer
from state.pages.analytics.governance import ORG
from state.pages.analytics.governance import GovernanceState as G

STATE_COLORS = {"ok": "green", "soft": "amber", "exceeded": "red", "firing": "red",
                "disabled": "gray", "triggered": "red", "resolved": "green",
                "budget_soft": "amber", "budget_hard": "red"}  # fmt: skip


def _badge(value: object) -> rx.Component:
    return rx.badge(value, color_scheme=rx.match(value, *STATE_COLORS.items(), "gray"))


def _scope_select(value: object, field: str, test_id: str, label: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=label, data_testid=test_id),
        rx.select.content(
            rx.select.item("Whole organisation", value=ORG),
            rx.foreach(G.workflow_options, lambda w: rx.select.item(w["name"], value=w["id"])),
        ),
        value=value,
        on_change=lambda v: G.set_field(field, v),
    )


def _budget_row(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row["scope"], weight="medium")),
        rx.table.cell(
            rx.vstack(
                rx.progress(value=row["used"].to(int), max=100, width="160px"),
                rx.text(row["spent"], " of ", row["limit"], " (", row["used_text"], ")", size="1"),
                spacing="1",
            )
        ),
        rx.table.cell(_badge(row["state"])),
        rx.table.cell(rx.text("notify at ", row["soft"], "; ", row["stop"], size="1")),
        rx.table.cell(
            rx.cond(
                G.can_budget,
                rx.icon_button(
                    rx.icon("trash-2", size=14),
                    variant="ghost",
                    color_scheme="red",
                    aria_label="Delete budget",
                    on_click=G.ask_delete("budget", row["id"], row["scope"]),
                ),
            )
        ),
        data_testid="budget-row",
    )


def _budget_form() -> rx.Component:
    return rx.hstack(
        _scope_select(G.budget_scope, "budget_scope", "budget-scope",
                      "What the budget covers"),
        rx.input(placeholder="Monthly limit (USD)", value=G.budget_limit, type="number",
                 min=0, step="0.01", on_change=lambda v: G.set_field("budget_limit", v),
                 aria_label="Monthly limit (USD)", data_testid="budget-limit", width="170px"),
        rx.input(value=G.budget_soft, type="number", min=1, max=100, width="80px",
                 on_change=lambda v: G.set_field("budget_soft", v),
                 aria_label="Notify at (% of the limit)"),
        rx.text("% notifies", size="2"),
        rx.checkbox("Refuse new runs at the limit", checked=G.budget_hard,
                    on_change=G.set_budget_hard),
        rx.button("Save budget", on_click=G.save_budget, data_testid="budget-save"),
        wrap="wrap",
        align="center",
    )  # fmt: skip


def budgets_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Budgets this month", size="4", as_="h2"),
            rx.text(
                "Spend to date of the calendar month (UTC). At the limit, a budget that "
                "refuses new runs lets running ones finish.",
                size="2",
                color=rx.color("gray", 11),
            ),
            rx.cond(
                G.budgets.length() > 0,  # type: ignore[attr-defined]
                rx.table.root(rx.table.body(rx.foreach(G.budgets, _budget_row)), width="100%"),
                rx.text("No budget yet.", color=rx.color("gray", 10), size="2"),
            ),
            rx.cond(G.can_budget, _budget_form()),
            rx.cond(G.budget_error != "", rx.text(G.budget_error, color="red", size="2")),
            width="100%",
        ),
        width="100%",
        data_testid="budgets",
    )


def _rule_row(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row["name"], weight="medium")),
        rx.table.cell(row["metric"], " ", row["condition"]),
        rx.table.cell(row["scope"]),
        rx.table.cell(_badge(row["state"])),
        rx.table.cell(row["last"]),
        rx.table.cell(row["channels"]),
        rx.table.cell(
            rx.cond(
                G.can_alert,
                rx.icon_button(
                    rx.icon("trash-2", size=14),
                    variant="ghost",
                    color_scheme="red",
                    aria_label="Delete rule",
                    on_click=G.ask_delete("rule", row["id"], row["name"]),
                ),
            )
        ),
        data_testid="rule-row",
    )


def _rule_dialog() -> rx.Component:
    field = {"width": "100%"}
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New alert rule"),
            rx.vstack(
                rx.input(placeholder="Name", value=G.rule_name, max_length=200,
                         aria_label="Rule name",
                         on_change=lambda v: G.set_field("rule_name", v), **field),
                rx.select.root(
                    rx.select.trigger(aria_label="Metric", **field),
                    rx.select.content(*[rx.select.item(label, value=key)
                                        for key, label in METRICS.items()]),
                    value=G.rule_metric, on_change=lambda v: G.set_field("rule_metric", v),
                ),
                rx.input(placeholder="Threshold (in the metric's unit)", type="number",
                         value=G.rule_threshold, aria_label="Alert above (in the metric's unit)",
                         on_change=lambda v: G.set_field("rule_threshold", v), **field),
                rx.hstack(
                    rx.el.label("Window (minutes)", html_for="rule-window", font_size="14px"),
                    rx.input(id="rule-window", value=G.rule_window, type="number",
                             width="90px", aria_describedby="rule-window-help",
                             on_change=lambda v: G.set_field("rule_window", v)),
                    rx.el.label("Minimum runs", html_for="rule-min-runs", font_size="14px"),
                    rx.input(id="rule-min-runs", value=G.rule_min_runs, type="number",
                             width="80px", aria_describedby="rule-window-help",
                             on_change=lambda v: G.set_field("rule_min_runs", v)),
                    align="center",
                ),
                rx.text("The metric covers the runs of the last window. A failure rate or "
                        "p95 duration waits for the minimum number of runs; cost does not.",
                        id="rule-window-help", size="1", color=rx.color("gray", 11)),
                _scope_select(G.rule_scope, "rule_scope", "rule-scope", "What the rule watches"),
                rx.checkbox("Notify in the app", checked=G.rule_in_app,
                            on_change=lambda v: G.set_rule_channel("in_app", v)),
                rx.checkbox("Send the alert.triggered webhook event", checked=G.rule_webhook,
                            on_change=lambda v: G.set_rule_channel("webhook", v)),
                rx.cond(G.rule_error != "", rx.text(G.rule_error, color="red", size="2")),
                width="100%",
            ),
            dialog_footer(
                rx.button("Cancel", variant="soft", color_scheme="gray", on_click=G.close_rule),
                rx.button("Create rule", on_click=G.save_rule, data_testid="rule-save"),
            ),
        ),
        open=G.rule_open,
    )  # fmt: skip


def _event_row(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["when"]),
        rx.table.cell(_badge(row["kind"])),
        rx.table.cell(
            rx.vstack(
                rx.text(row["title"], weight="medium"),
                rx.text(row["message"], size="1"),
                spacing="0",
            )
        ),
        rx.table.cell(rx.text(row["delivery"], size="1")),
        data_testid="alert-event",
    )


def alerts_section() -> rx.Component:
    headers = ("Rule", "Condition", "Scope", "State", "Last value", "Delivery", "")
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Alert rules", size="4", as_="h2"),
                rx.spacer(),
                rx.cond(
                    G.can_alert,
                    rx.button(
                        rx.icon("plus", size=14),
                        "New rule",
                        on_click=G.open_rule,
                        data_testid="rule-new",
                    ),
                ),
                width="100%",
            ),
            rx.text(
                "Evaluated every minute by the workers; a rule alerts once when it goes "
                "above its threshold and again only after it resolved.",
                size="2",
                color=rx.color("gray", 11),
            ),
            rx.cond(
                G.rules.length() > 0,  # type: ignore[attr-defined]
                rx.table.root(
                    rx.table.header(
                        rx.table.row(*[rx.table.column_header_cell(h) for h in headers])
                    ),
                    rx.table.body(rx.foreach(G.rules, _rule_row)),
                    width="100%",
                ),
                rx.text("No alert rule yet.", color=rx.color("gray", 10), size="2"),
            ),
            rx.heading("Alert history", size="3", as_="h3"),
            rx.cond(
                G.events.length() > 0,  # type: ignore[attr-defined]
                rx.table.root(rx.table.body(rx.foreach(G.events, _event_row)), width="100%"),
                rx.text("Nothing has fired yet.", color=rx.color("gray", 10), size="2"),
            ),
            width="100%",
        ),
        _rule_dialog(),
        confirm_dialog(
            title="Delete?",
            description=rx.text("Delete “", G.confirm_label, "”? This cannot be undone."),
            confirm_label="Delete",
            open=G.confirm_open,
            on_cancel=G.cancel_delete,
            on_confirm=G.confirm_delete,
            confirm_test_id="confirm-delete",
        ),
        width="100%",
        data_testid="alerts",
    )
