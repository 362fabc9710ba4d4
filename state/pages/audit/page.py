"""Settings → Audit: who changed what, when and from where; filters, pages, CSV."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from components.callouts import error_callout
from components.date_range import date_range
from components.empty_state import empty_state
from components.settings_nav import settings_nav
from components.shell import page_frame
from state.pages.audit.state import ALL
from state.pages.audit.state import AuditLogState as S

HEADERS = ("When", "Actor", "Action", "Target", "IP", "Details")


def _option(option: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.select.item(option["label"], value=option["value"])


def _select(
    label: str, every: str, options: rx.Component, value: Any, on_change: Any
) -> rx.Component:
    test_id = f"audit-{label.lower().replace(' ', '-')}-filter"
    return rx.select.root(
        rx.select.trigger(
            placeholder=label, aria_label="Filter by " + label.lower(), data_testid=test_id
        ),
        rx.select.content(rx.select.item(every, value=ALL), options),
        value=value,
        on_change=on_change,
    )


def _filters() -> rx.Component:
    return rx.hstack(
        _select(
            "Actor",
            "All actors",
            rx.foreach(S.actor_options, _option),
            S.actor_filter,
            S.set_actor_filter,
        ),
        _select(
            "Action",
            "All actions",
            rx.foreach(S.action_options, _option),
            S.action_filter,
            S.set_action_filter,
        ),
        _select(
            "Target type",
            "All targets",
            rx.foreach(S.target_options, lambda t: rx.select.item(t, value=t)),
            S.target_filter,
            S.set_target_filter,
        ),
        date_range(
            S.since,
            S.set_since,
            S.until,
            S.set_until,
            labels=("Changes made on or after", "Changes made on or before"),
            test_ids=("audit-since", "audit-until"),
        ),
        rx.button("Clear", variant="ghost", on_click=S.clear_filters),
        rx.spacer(),
        rx.button(
            rx.icon("download", size=14),
            "Export CSV",
            variant="soft",
            on_click=S.export,
            data_testid="audit-export",
        ),
        width="100%",
        align="center",
        wrap="wrap",
    )


def _row(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row["when"], size="2", white_space="nowrap")),
        rx.table.cell(
            rx.text(row["actor"], size="2"),
            rx.text(row["actor_type"], size="1", color=rx.color("gray", 10)),
        ),
        rx.table.cell(rx.code(row["action"], size="2")),
        rx.table.cell(rx.text(row["target"], size="2", word_break="break-all")),
        rx.table.cell(rx.text(row["ip"], size="2")),
        rx.table.cell(rx.text(row["details"], size="1", overflow_wrap="anywhere")),
        data_testid="audit-row",
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.button(
            "Newer",
            variant="soft",
            on_click=S.newer,
            disabled=S.page_number <= 1,
            data_testid="audit-newer",
        ),
        rx.text("Page ", S.page_number, size="2"),
        rx.button(
            "Older",
            variant="soft",
            on_click=S.older,
            disabled=~S.has_older,
            data_testid="audit-older",
        ),
        justify="center",
        width="100%",
    )


def _trail() -> rx.Component:
    return rx.cond(
        S.rows.length() > 0,  # type: ignore[attr-defined]
        rx.vstack(
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in HEADERS])),
                rx.table.body(rx.foreach(S.rows, _row)),
                width="100%",
                data_testid="audit-table",
            ),
            _pager(),
            width="100%",
        ),
        empty_state(
            icon="scroll-text",
            title="No events match",
            explanation="Every change (members, roles, keys, secrets, workflows, runs) is "
            "recorded here with who made it and from where. Widen the filters to see more.",
            action_label="Manage members",
            action_href="/settings/members",
        ),
    )


def audit_page() -> rx.Component:
    return page_frame(
        "Audit trail",
        "Every change in this organisation, newest first. Entries can never be edited or deleted.",
        settings_nav(),
        rx.cond(
            ~S.loaded,
            rx.hstack(rx.spinner(), rx.text("Loading the audit trail")),
            rx.cond(
                S.error != "",
                error_callout(S.error, "audit-error"),
                rx.vstack(
                    _filters(),
                    rx.cond(S.filter_error != "", rx.text(S.filter_error, color="red", size="2")),
                    _trail(),
                    spacing="3",
                    width="100%",
                ),
            ),
        ),
    )
