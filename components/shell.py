"""The application shell: sidebar navigation, colour-mode switch and page frame."""

from __future__ import annotations

import reflex as rx

from components.account_menu import account_menu
from components.brand import brand_mark
from components.nav_link import NavItem, current_path, nav_link
from state.pages.notifications.bell import notification_bell

NAV_ITEMS = (
    NavItem("Workflows", "/workflows", "workflow"),
    NavItem("Executions", "/executions", "activity"),
    NavItem("Schedules", "/schedules", "calendar-clock"),
    NavItem("Templates", "/templates", "layout-template"),
    NavItem("Knowledge", "/knowledge", "book-open"),
    NavItem("Analytics", "/analytics", "chart-line"),
    NavItem("Settings", "/settings", "settings"),
)


def _nav_link(item: NavItem) -> rx.Component:
    # A section stays highlighted on its sub-pages (/settings/members, /workflows/<id>).
    path = current_path()
    active = (path == item.route) | path.startswith(item.route + "/")
    return nav_link(
        item,
        active,
        icon_size=18,
        text_size="3",
        gap="3",
        test_id=f"nav-{item.label.lower()}",
        color=rx.cond(active, rx.color("accent", 11), rx.color("gray", 12)),
        background=rx.cond(active, rx.color("accent", 3), "transparent"),
        border_radius="8px",
        padding="8px 12px",
        width="100%",
    )


def sidebar() -> rx.Component:
    return rx.el.nav(sidebar_content(), aria_label="Main")


def sidebar_content() -> rx.Component:
    return rx.vstack(
        brand_mark(padding="4px 12px 16px"),
        *[_nav_link(item) for item in NAV_ITEMS],
        rx.spacer(),
        notification_bell(),
        account_menu(),
        rx.hstack(
            rx.color_mode.button(data_testid="color-mode-toggle", aria_label="Toggle dark mode"),
            rx.text("Theme", size="2", color=rx.color("gray", 11)),
            align="center",
            padding="8px 12px",
        ),
        width="220px",
        min_width="220px",
        height="100vh",
        padding="16px 8px",
        border_right=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 2),
        position="sticky",
        top="0",
    )


def page_frame(title: str, subtitle: str, *children: rx.Component) -> rx.Component:
    return rx.hstack(
        sidebar(),
        rx.el.main(
            rx.vstack(
                rx.heading(title, size="7", as_="h1"),
                rx.text(subtitle, color=rx.color("gray", 11)),
                *children,
                spacing="4",
                width="100%",
                max_width="1100px",
            ),
            style={"flex": "1", "padding": "32px 40px", "min_height": "100vh"},
        ),
        spacing="0",
        align="start",
        width="100%",
    )
