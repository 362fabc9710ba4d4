"""Notifications: failed runs, waiting approvals, disabled schedules, alerts."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from components.empty_state import empty_state
from components.shell import page_frame
from state.pages.notifications.state import NotificationsState as S


def _item(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.hstack(
                    rx.badge(row["kind"], color_scheme=row["color"], variant="soft"),
                    rx.text(row["when"], size="1", color=rx.color("gray", 10)),
                    rx.cond(row["unread"] != "", rx.badge("new", color_scheme="blue")),
                    align="center",
                ),
                rx.text(row["title"], weight="medium"),
                rx.cond(
                    row["body"] != "", rx.text(row["body"], size="2", color=rx.color("gray", 11))
                ),
                spacing="1",
                align="start",
            ),
            rx.spacer(),
            rx.cond(
                row["link"] != "",
                rx.link(rx.button("Open", size="1", variant="soft"), href=row["link"]),
            ),
            rx.cond(
                row["unread"] != "",
                rx.button("Mark read", size="1", variant="ghost", on_click=S.mark_read(row["id"])),
            ),
            align="center",
            width="100%",
        ),
        width="100%",
        data_testid="notification",
    )


def notifications_page() -> rx.Component:
    return page_frame(
        "Notifications",
        "Failed runs, approvals waiting for someone, schedules that were switched off.",
        rx.hstack(
            rx.checkbox("Unread only", checked=S.unread_only, on_change=S.set_unread_only),
            rx.spacer(),
            rx.button(
                "Mark all as read",
                variant="soft",
                on_click=S.mark_all_read,
                disabled=S.unread == 0,
                data_testid="mark-all-read",
            ),
            width="100%",
            align="center",
        ),
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", width="100%")),
        rx.cond(
            ~S.loaded,
            rx.hstack(rx.spinner(), rx.text("Loading")),
            rx.cond(
                S.rows.length() > 0,  # type: ignore[attr-defined]
                rx.vstack(rx.foreach(S.rows, _item), width="100%", spacing="2"),
                empty_state(
                    icon="bell",
                    title="Nothing to report",
                    explanation="You are told here when a run fails, when an approval waits for "
                    "someone and when a schedule is switched off.",
                    action_label="See failed runs",
                    action_href="/executions/failed",
                ),
            ),
        ),
    )
