"""An empty state: what the page is for and the first action to take."""

from __future__ import annotations

import reflex as rx


def empty_state(
    *, icon: str, title: str, explanation: str, action_label: str, action_href: str
) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.icon(icon, size=40, color=rx.color("accent", 9)),
            rx.heading(title, size="5", as_="h2"),
            rx.text(explanation, align="center", color=rx.color("gray", 11), max_width="520px"),
            rx.link(
                rx.button(action_label, size="3"),
                href=action_href,
                data_testid="empty-state-action",
            ),
            align="center",
            spacing="3",
            padding="40px 24px",
        ),
        width="100%",
        data_testid="empty-state",
    )
