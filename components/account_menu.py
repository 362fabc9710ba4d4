"""The signed-in user at the foot of the sidebar: organisation switcher and log out."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from components.native_form import NativeForm, hidden
from state.session import SessionState


def _switch_item(org: ObjectVar[dict[str, str]]) -> rx.Component:
    current = org["id"] == SessionState.org_id
    return NativeForm.create(
        hidden("org_id", org["id"]),
        rx.el.button(
            rx.hstack(
                rx.icon(rx.cond(current, "check", "building-2"), size=14),
                rx.text(org["name"], size="2", trim="both"),
                rx.text(org["role"], size="1", color=rx.color("gray", 10)),
                spacing="2",
                align="center",
            ),
            type="submit",
            data_testid="switch-org",
            style={"width": "100%", "padding": "6px 8px", "text_align": "left"},
            _hover={"background": rx.color("gray", 4)},
        ),
        action="/auth/switch-org",
        method="post",
    )


def account_menu() -> rx.Component:
    return rx.vstack(
        rx.popover.root(
            rx.popover.trigger(
                rx.button(
                    rx.icon("building-2", size=16),
                    rx.text(SessionState.org_name, size="2", trim="both"),
                    rx.icon("chevrons-up-down", size=14),
                    variant="ghost",
                    width="100%",
                    justify="start",
                    data_testid="org-switcher",
                    aria_label="Switch organisation",
                )
            ),
            rx.popover.content(
                rx.vstack(
                    rx.text("Organisations", size="1", weight="bold", color=rx.color("gray", 10)),
                    rx.foreach(SessionState.orgs, _switch_item),
                    spacing="1",
                    width="100%",
                ),
                width="220px",
            ),
        ),
        rx.text(
            SessionState.user_email,
            size="1",
            color=rx.color("gray", 11),
            data_testid="signed-in-email",
            padding_x="12px",
        ),
        NativeForm.create(
            rx.el.button(
                rx.hstack(rx.icon("log-out", size=14), rx.text("Log out", size="2"), spacing="2"),
                type="submit",
                data_testid="logout",
                style={"padding": "4px 12px", "cursor": "pointer"},
            ),
            action="/auth/logout",
            method="post",
        ),
        spacing="1",
        width="100%",
        align="start",
    )
