"""The sidebar's bell: unread notifications, refreshed every half minute."""

from __future__ import annotations

import reflex as rx

from state.pages.notifications.state import NotificationsState

REFRESH_MS = 30_000


def notification_bell() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon("bell", size=18),
            rx.text("Notifications", size="3"),
            rx.cond(
                NotificationsState.unread > 0,
                rx.badge(
                    NotificationsState.unread,
                    color_scheme="red",
                    variant="solid",
                    radius="full",
                    data_testid="unread-count",
                ),
            ),
            rx.moment(
                interval=REFRESH_MS, on_change=NotificationsState.refresh_count, display="none"
            ),
            spacing="3",
            align="center",
            on_mount=NotificationsState.refresh_count,
        ),
        href="/notifications",
        underline="none",
        color=rx.color("gray", 12),
        padding="8px 12px",
        width="100%",
        aria_label="Notifications",
        data_testid="notification-bell",
    )
