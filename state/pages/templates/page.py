"""The Templates page, /templates: the gallery of cards with category filters and search,
"Publish a workflow" and, for instance admins, the templates waiting for approval."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from components.dialogs import dialog_footer
from components.empty_state import empty_state
from components.shell import page_frame
from state.pages.templates.state import ALL
from state.pages.templates.state import TemplatesState as S

SOURCE_COLORS = (("official", "green"), ("yours", "blue"), ("community", "violet"))


def _stat(icon: str, text: Any) -> rx.Component:
    return rx.hstack(
        rx.icon(icon, size=14, color=rx.color("gray", 10)),
        rx.text(text, size="1", color=rx.color("gray", 11)),
        spacing="1",
        align="center",
    )


def _card(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(
                    row["source_label"],
                    color_scheme=rx.match(row["source"], *SOURCE_COLORS, "gray"),
                ),
                rx.badge(row["category"], variant="soft", color_scheme="gray"),
                rx.cond(
                    row["pending"] != "",
                    rx.badge("awaiting approval", color_scheme="amber", variant="soft"),
                ),
                wrap="wrap",
                spacing="2",
            ),
            rx.link(
                rx.heading(row["name"], size="4", as_="h2"),
                href="/templates/" + row["id"],
                underline="none",
                data_testid="template-link",
            ),
            rx.text(
                row["description"], size="2", color=rx.color("gray", 11), class_name="af-clamp"
            ),
            rx.spacer(),
            rx.hstack(
                _stat("workflow", row["steps"]),
                _stat("download", row["installs"]),
                _stat("star", row["rating"]),
                spacing="4",
                wrap="wrap",
            ),
            rx.cond(
                row["secrets"] != "",
                rx.hstack(
                    rx.icon("key-round", size=14, color=rx.color("amber", 10)),
                    rx.text("Needs ", row["secrets"], size="1", data_testid="card-secrets"),
                    spacing="1",
                    align="center",
                ),
            ),
            spacing="2",
            height="100%",
            align="start",
        ),
        data_testid="template-card",
    )


def _category_button(name: Any) -> rx.Component:
    return rx.button(
        name,
        size="1",
        radius="full",
        variant=rx.cond(S.category == name, "solid", "soft"),
        color_scheme=rx.cond(S.category == name, "accent", "gray"),
        on_click=S.set_category(name),
    )


def _toolbar() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.debounce_input(
                rx.input(
                    rx.input.slot(rx.icon("search", size=14)),
                    placeholder="Search templates",
                    aria_label="Search templates",
                    value=S.search,
                    on_change=S.set_search,
                    width="300px",
                    data_testid="template-search",
                ),
                debounce_timeout=200,
            ),
            rx.spacer(),
            rx.cond(
                S.can_publish,
                rx.button(
                    rx.icon("upload", size=16),
                    "Publish a workflow",
                    on_click=S.open_publish,
                    data_testid="open-publish",
                ),
            ),
            width="100%",
        ),
        rx.hstack(
            _category_button(ALL),
            rx.foreach(S.categories, _category_button),
            wrap="wrap",
            spacing="2",
            data_testid="category-filters",
        ),
        width="100%",
        spacing="3",
    )


def _queue() -> rx.Component:
    def row(item: ObjectVar[dict[str, str]]) -> rx.Component:
        return rx.hstack(
            rx.link(item["name"], href="/templates/" + item["id"], weight="medium"),
            rx.text("version ", item["version"], " by ", item["by"], size="2"),
        )

    return rx.cond(
        S.queue.length() > 0,  # type: ignore[attr-defined]
        rx.callout.root(
            rx.callout.icon(rx.icon("shield-check")),
            rx.callout.text("Waiting for your approval before every organisation sees them:"),
            rx.vstack(rx.foreach(S.queue, row), spacing="1", padding_left="24px"),
            color_scheme="amber",
            width="100%",
            data_testid="review-queue",
        ),
    )


def _field(label: str, field_id: str, control: rx.Component) -> rx.Component:
    """A label above its control, tied to it by id (a radio group by aria-labelledby)."""
    return rx.vstack(
        rx.el.label(
            label, id=field_id + "-label", html_for=field_id, font_size="14px", font_weight="500"
        ),
        control,
        spacing="1",
        width="100%",
    )


VISIBILITY_HELP = "publish-visibility-help"


def _publish_dialog() -> rx.Component:
    def option(item: ObjectVar[dict[str, str]]) -> rx.Component:
        return rx.select.item(item["name"], value=item["id"])

    form = rx.vstack(
        _field(
            "Workflow",
            "publish-workflow",
            rx.select.root(
                rx.select.trigger(
                    id="publish-workflow", placeholder="Choose a workflow", width="100%"
                ),
                rx.select.content(rx.foreach(S.workflow_options, option)),
                value=S.publish_workflow,
                on_change=lambda v: S.set_publish_field("workflow", v),
            ),
        ),
        _field(
            "Name (the workflow's when empty)",
            "publish-name",
            rx.input(
                id="publish-name",
                value=S.publish_name,
                on_change=lambda v: S.set_publish_field("name", v),
                data_testid="publish-name",
            ),
        ),
        _field(
            "Description",
            "publish-description",
            rx.text_area(
                id="publish-description",
                value=S.publish_description,
                on_change=lambda v: S.set_publish_field("description", v),
                rows="3",
            ),
        ),
        _field(
            "Category",
            "publish-category",
            rx.input(
                id="publish-category",
                value=S.publish_category,
                on_change=lambda v: S.set_publish_field("category", v),
                data_testid="publish-category",
            ),
        ),
        _field(
            "Who can install it",
            "publish-visibility",
            rx.radio_group(
                ["organization", "instance"],
                value=S.publish_visibility,
                on_change=lambda v: S.set_publish_field("visibility", v),
                direction="row",
                aria_labelledby="publish-visibility-label",
                aria_describedby=VISIBILITY_HELP,
            ),
        ),
        rx.text(
            "organization: your organisation's members only. instance: every organisation "
            "on this AgentFlow, after an instance admin approves it. Secret values are never "
            "published: the template lists the names it needs.",
            id=VISIBILITY_HELP,
            size="1",
            color=rx.color("gray", 11),
        ),
        _field(
            "What changed (for a new version)",
            "publish-changelog",
            rx.input(
                id="publish-changelog",
                value=S.publish_changelog,
                on_change=lambda v: S.set_publish_field("changelog", v),
            ),
        ),
        rx.cond(
            S.publish_error != "",
            rx.callout(
                S.publish_error, color_scheme="red", width="100%", data_testid="publish-error"
            ),
        ),
        spacing="3",
        width="100%",
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Publish a workflow as a template"),
            rx.cond(
                S.workflow_options.length() > 0,  # type: ignore[attr-defined]
                form,
                rx.text("Your organisation has no workflow to publish yet."),
            ),
            dialog_footer(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button("Publish", on_click=S.publish, data_testid="publish-submit"),
            ),
            max_width="560px",
        ),
        open=S.publish_open,
        on_open_change=S.set_publish_open,
    )


def _gallery() -> rx.Component:
    return rx.cond(
        ~S.loaded,
        rx.hstack(rx.spinner(), rx.text("Loading templates")),
        rx.cond(
            S.cards.length() > 0,  # type: ignore[attr-defined]
            rx.grid(
                rx.foreach(S.cards, _card),
                columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                spacing="4",
                width="100%",
                data_testid="template-gallery",
            ),
            rx.cond(
                (S.search != "") | (S.category != ALL),
                rx.text("No template matches this search.", data_testid="no-match"),
                empty_state(
                    icon="layout-template",
                    title="The gallery is empty",
                    explanation="Official templates are loaded when the database is migrated "
                    "(agentflow migrate or agentflow up). You can also publish one of your "
                    "workflows as a template for your organisation.",
                    action_label="Go to your workflows",
                    action_href="/workflows",
                ),
            ),
        ),
    )


def templates_page() -> rx.Component:
    return page_frame(
        "Templates",
        "Ready-made workflows to start from: install one, then adapt it in the builder.",
        rx.el.style(
            ".af-clamp{display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden}"
        ),
        _toolbar(),
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", width="100%")),
        _queue(),
        _gallery(),
        _publish_dialog(),
    )
