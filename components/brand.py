"""The AgentFlow mark, and the centred card the signed-out pages are built on."""

from __future__ import annotations

from typing import Any

import reflex as rx


def brand_mark(**props: Any) -> rx.Component:
    """The logo and the product name, as the sidebar and the signed-out pages show it."""
    return rx.hstack(
        rx.icon("waypoints", size=22, color=rx.color("accent", 10)),
        rx.text("AgentFlow", size="5", weight="bold"),
        spacing="2",
        **props,
    )


def public_card(title: str, *children: rx.Component, width: str = "380px") -> rx.Component:
    """A page of its own for signing in, signing up, resetting and invitations."""
    return rx.center(
        rx.card(
            rx.vstack(
                brand_mark(),
                rx.heading(title, size="6", as_="h1"),
                *children,
                spacing="4",
                width="100%",
            ),
            width=width,
            padding="24px",
        ),
        min_height="100vh",
    )
