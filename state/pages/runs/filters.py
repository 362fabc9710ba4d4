"""Pieces of the run lists' views (Executions, Failed runs): filters and the pager."""

from __future__ import annotations

import reflex as rx

from components.date_range import date_range
from state.pages.runs.lists import ALL, RunListState


def workflow_select(S: type[RunListState]) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder="Workflow", aria_label="Filter by workflow"),
        rx.select.content(
            rx.select.item("All workflows", value=ALL),
            rx.foreach(S.workflow_options, lambda w: rx.select.item(w["name"], value=w["id"])),
        ),
        value=S.workflow_filter,
        on_change=S.set_workflow_filter,
    )


def run_dates(S: type[RunListState]) -> rx.Component:
    return rx.fragment(
        date_range(
            S.since,
            S.set_since,
            S.until,
            S.set_until,
            labels=("Created on or after", "Created on or before"),
            test_ids=("since", "until"),
        ),
        rx.button("Clear", variant="ghost", on_click=S.clear_filters),
    )


def pager(S: type[RunListState]) -> rx.Component:
    return rx.hstack(
        rx.button("Previous", variant="soft", on_click=S.previous_page, disabled=S.page <= 1),
        rx.text("Page ", S.page, " of ", S.pages, size="2"),
        rx.button("Next", variant="soft", on_click=S.next_page, disabled=S.page >= S.pages),
        justify="center",
        width="100%",
    )
