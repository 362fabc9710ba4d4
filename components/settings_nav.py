"""The row of tabs at the top of every settings page."""

from __future__ import annotations

import reflex as rx

from components.nav_link import NavItem, current_path, nav_link

SETTINGS_TABS = (
    NavItem("General", "/settings", "building-2"),
    NavItem("Members", "/settings/members", "users"),
    NavItem("API keys", "/settings/api-keys", "key-round"),
    NavItem("Secrets", "/settings/secrets", "lock-keyhole"),
    NavItem("Model providers", "/settings/model-providers", "brain-circuit"),
    NavItem("Webhooks", "/settings/webhooks", "webhook"),
    NavItem("Audit", "/settings/audit", "scroll-text"),
)


def _tab(tab: NavItem) -> rx.Component:
    active = current_path() == tab.route
    return nav_link(
        tab,
        active,
        icon_size=15,
        text_size="2",
        gap="2",
        test_id=f"settings-tab-{tab.label.lower().replace(' ', '-')}",
        color=rx.cond(active, rx.color("accent", 11), rx.color("gray", 11)),
        border_bottom=rx.cond(
            active, f"2px solid {rx.color('accent', 9)}", "2px solid transparent"
        ),
        padding="6px 10px",
    )


def settings_nav() -> rx.Component:
    return rx.el.nav(
        rx.hstack(
            *[_tab(tab) for tab in SETTINGS_TABS],
            spacing="1",
            wrap="wrap",
            width="100%",
            border_bottom=f"1px solid {rx.color('gray', 5)}",
        ),
        aria_label="Settings",
        width="100%",
    )
