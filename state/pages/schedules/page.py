"""Schedules: when each published workflow runs next, in words and times; pause or resume."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from components.empty_state import empty_state
from components.shell import page_frame
from components.status import status_badge
from state.pages.schedules.state import SchedulesState as S


def _row(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.link(row["workflow"], href="/workflows/" + row["workflow_id"]),
                rx.text("trigger ", rx.code(row["node"]), size="1", color=rx.color("gray", 10)),
                spacing="0",
            )
        ),
        rx.table.cell(
            rx.vstack(
                rx.text(row["description"], data_testid="schedule-description"),
                rx.code(row["cron"], size="1"),
                spacing="1",
            )
        ),
        rx.table.cell(
            rx.cond(
                row["enabled"] != "",
                rx.vstack(
                    rx.text(row["next"], weight="medium", data_testid="schedule-next"),
                    rx.text(row["upcoming"], size="1", color=rx.color("gray", 11)),
                    rx.text("(", row["timezone"], ")", size="1", color=rx.color("gray", 10)),
                    spacing="0",
                ),
                rx.text(row["reason"], size="2", color=rx.color("orange", 11)),
            )
        ),
        rx.table.cell(
            rx.vstack(
                rx.text(row["last_tick"], size="2", title=row["last_tick_at"]),
                rx.cond(
                    row["last_run_id"] != "",
                    rx.link(
                        status_badge(row["last_run_status"]),
                        href="/executions/" + row["last_run_id"],
                    ),
                ),
                spacing="1",
            )
        ),
        rx.table.cell(
            rx.switch(
                checked=row["enabled"] != "",
                on_change=lambda on: S.set_enabled(row["id"], on),
                aria_label="Run " + row["workflow"] + " on its schedule",
                data_testid="schedule-enabled",
            )
        ),
        data_testid="schedule-row",
    )


def schedules_page() -> rx.Component:
    return page_frame(
        "Schedules",
        "Published workflows that start on a schedule, and when they run next.",
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", width="100%")),
        rx.cond(
            ~S.loaded,
            rx.hstack(rx.spinner(), rx.text("Loading schedules")),
            rx.cond(
                S.rows.length() > 0,  # type: ignore[attr-defined]
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            *[
                                rx.table.column_header_cell(h)
                                for h in ("Workflow", "When", "Next runs", "Last tick", "On")
                            ]
                        )
                    ),
                    rx.table.body(rx.foreach(S.rows, _row)),
                    width="100%",
                    data_testid="schedules-table",
                ),
                empty_state(
                    icon="calendar-clock",
                    title="No schedules yet",
                    explanation="Give a workflow's trigger the kind “schedule”, a cron expression "
                    "and a time zone, then publish it: it appears here with its next five runs.",
                    action_label="Open workflows",
                    action_href="/workflows",
                ),
            ),
        ),
    )
