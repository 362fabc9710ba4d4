"""Navigation links: the sidebar's sections and the settings pages' tabs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx


@dataclass(frozen=True)
class NavItem:
    label: str
    route: str
    icon: str


def current_path() -> Any:
    # Reflex types `router` as a generic var at class level; at run time it is the
    # router data object, whose page path is what we compare.
    return rx.State.router.page.path  # type: ignore[attr-defined]


def nav_link(
    item: NavItem,
    active: Any,
    *,
    icon_size: int,
    text_size: Any,
    gap: Any,
    test_id: str,
    **style: Any,
) -> rx.Component:
    """An icon and a label linking to ``item``; ``active`` (a var) marks the current page."""
    return rx.link(
        rx.hstack(
            rx.icon(item.icon, size=icon_size), rx.text(item.label, size=text_size), spacing=gap
        ),
        href=item.route,
        underline="none",
        aria_current=rx.cond(active, "page", "false"),
        data_testid=test_id,
        **style,
    )
