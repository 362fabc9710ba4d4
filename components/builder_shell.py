"""A narrow icon-only sidebar for the builder, whose canvas needs the width."""

from __future__ import annotations

import reflex as rx

from components.shell import NAV_ITEMS, NavItem


def _icon_link(item: NavItem) -> rx.Component:
    active = item.route == "/workflows"
    return rx.tooltip(
        rx.link(
            rx.icon(item.icon, size=20),
            href=item.route,
            color=rx.color("accent", 11) if active else rx.color("gray", 11),
            background=rx.color("accent", 3) if active else "transparent",
            border_radius="8px",
            padding="8px",
            display="flex",
            aria_label=item.label,
            data_testid=f"nav-{item.label.lower()}",
        ),
        content=item.label,
        side="right",
    )


def compact_sidebar() -> rx.Component:
    return rx.el.nav(
        rx.vstack(
            rx.link(
                rx.icon("waypoints", size=22, color=rx.color("accent", 10)),
                href="/",
                aria_label="AgentFlow",
                padding="6px 8px 14px",
                display="flex",
            ),
            *[_icon_link(item) for item in NAV_ITEMS],
            rx.spacer(),
            rx.color_mode.button(data_testid="color-mode-toggle", aria_label="Toggle dark mode"),
            align="center",
            spacing="2",
            width="56px",
            min_width="56px",
            height="100vh",
            padding="14px 0",
            border_right=f"1px solid {rx.color('gray', 5)}",
            background=rx.color("gray", 2),
        ),
        aria_label="Main",
    )
