"""The row of tabs at the top of every settings page."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx


@dataclass(frozen=True)
class SettingsTab:
    label: str
    route: str
    icon: str


SETTINGS_TABS = (
    SettingsTab("General", "/settings", "building-2"),
    SettingsTab("Members", "/settings/members", "users"),
    SettingsTab("API keys", "/settings/api-keys", "key-round"),
    SettingsTab("Secrets", "/settings/secrets", "lock-keyhole"),
    SettingsTab("Webhooks", "/settings/webhooks", "webhook"),
    SettingsTab("Audit", "/settings/audit", "scroll-text"),
)


def _tab(tab: SettingsTab) -> rx.Component:
    # As in the sidebar: Reflex types `router` generically at class level.
    active = rx.State.router.page.path == tab.route  # type: ignore[attr-defined]
    return rx.link(
        rx.hstack(rx.icon(tab.icon, size=15), rx.text(tab.label, size="2"), spacing="2"),
        href=tab.route,
        underline="none",
        color=rx.cond(active, rx.color("accent", 11), rx.color("gray", 11)),
        border_bottom=rx.cond(
            active, f"2px solid {rx.color('accent', 9)}", "2px solid transparent"
        ),
        padding="6px 10px",
        aria_current=rx.cond(active, "page", "false"),
        data_testid=f"settings-tab-{tab.label.lower().replace(' ', '-')}",
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
