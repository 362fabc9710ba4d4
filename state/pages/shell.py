"""The pages of the shell. Each area gets its own module once it has real content."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from components.empty_state import empty_state
from components.settings_nav import settings_nav
from components.shell import page_frame
from state.pages.org_settings.page import organisation_card
from state.pages.system.state import SystemState


@dataclass(frozen=True)
class EmptyPage:
    route: str
    title: str
    subtitle: str
    icon: str
    empty_title: str
    explanation: str
    action_label: str
    action_href: str


EMPTY_PAGES = (
    EmptyPage(
        "/knowledge", "Knowledge", "Documents your workflows can search.", "book-open",
        "No knowledge bases yet",
        "A knowledge base holds documents split into chunks and embedded with pgvector, so a "
        "knowledge step can retrieve the passages that answer a question.",
        "See the workflows that could use it", "/workflows",
    ),
)  # fmt: skip


def make_empty_page(page: EmptyPage) -> rx.Component:
    return page_frame(
        page.title,
        page.subtitle,
        empty_state(
            icon=page.icon,
            title=page.empty_title,
            explanation=page.explanation,
            action_label=page.action_label,
            action_href=page.action_href,
        ),
    )


def not_found_page() -> rx.Component:
    """What an address no page has shows, inside the shell (it answers 404)."""
    return page_frame(
        "Page not found",
        "There is no page at this address.",
        rx.box(
            empty_state(
                icon="compass",
                title="Nothing here",
                explanation="The link may be mistyped, or what it pointed to was deleted. "
                "Your workflows, runs and templates are one click away in the sidebar.",
                action_label="Go to workflows",
                action_href="/workflows",
            ),
            data_testid="not-found",
            width="100%",
        ),
    )


def _status_row(component: ObjectVar[dict[str, Any]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(component["name"], weight="medium")),
        rx.table.cell(
            rx.badge(
                rx.cond(component["ok"], "up", "down"),
                color_scheme=rx.cond(component["ok"], "green", "red"),
            )
        ),
        rx.table.cell(component["detail"]),
    )


def settings_page() -> rx.Component:
    return page_frame(
        "Settings",
        "Your organisation, its members, keys and secrets; and the health of this instance.",
        settings_nav(),
        organisation_card(),
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading("System status", size="4", as_="h2"),
                    rx.spacer(),
                    rx.button(
                        rx.icon("refresh-cw", size=14),
                        "Refresh",
                        on_click=SystemState.refresh,
                        loading=SystemState.loading,
                        variant="soft",
                    ),
                    width="100%",
                ),
                rx.cond(
                    SystemState.components.length() > 0,  # type: ignore[attr-defined]
                    rx.table.root(
                        rx.table.body(rx.foreach(SystemState.components, _status_row)),
                        width="100%",
                        data_testid="system-status",
                    ),
                    rx.hstack(rx.spinner(), rx.text("Checking the database, Redis and workers")),
                ),
                width="100%",
            ),
            width="100%",
        ),
    )
