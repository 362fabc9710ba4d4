"""One template, /templates/[template_id]: a read-only preview of its graph, its inputs,
what it needs, its versions and reviews; "Use this template" installs it into the
organisation (asking for missing secrets) and opens it in the builder."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from components.dialogs import confirm_dialog, dialog_footer
from components.empty_state import empty_state
from components.graph_preview import graph_preview
from components.shell import page_frame
from state.pages.templates.detail import TemplateDetailState as S


def _section(title: str, *children: rx.Component, **props: Any) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(title, size="3", as_="h2"), *children, spacing="2", width="100%"),
        width="100%",
        **props,
    )


def _secret_input(name: Any) -> rx.Component:
    return rx.hstack(
        rx.code(name, min_width="180px"),
        rx.input(
            type="password",
            placeholder="value",
            aria_label="Value of the secret " + name,
            value=S.secret_values.get(name, ""),
            on_change=lambda value: S.set_secret_value(name, value),
            width="100%",
            auto_complete=False,
            data_testid="secret-" + name,
        ),
        width="100%",
        align="center",
    )


def _needs() -> rx.Component:
    def row(item: ObjectVar[dict[str, str]]) -> rx.Component:
        return rx.hstack(
            rx.icon("key-round", size=14),
            rx.code(item["name"]),
            rx.cond(
                item["missing"] != "",
                rx.badge("missing in your organisation", color_scheme="amber"),
                rx.badge("defined", color_scheme="green", variant="soft"),
            ),
            align="center",
        )

    add_form = rx.cond(
        (S.missing.length() > 0) & S.can_write_secrets,  # type: ignore[attr-defined]
        rx.vstack(
            rx.text("Add them now (stored encrypted; values are never shown again):", size="2"),
            rx.foreach(S.missing, _secret_input),
            rx.cond(S.secrets_error != "", rx.text(S.secrets_error, color="red", size="2")),
            rx.button(
                "Save secrets", size="2", on_click=S.save_secrets, data_testid="save-secrets"
            ),
            width="100%",
        ),
    )
    return _section(
        "What it needs",
        rx.cond(
            S.secrets.length() > 0,  # type: ignore[attr-defined]
            rx.vstack(rx.foreach(S.secrets, row), spacing="1"),
            rx.text("No secrets: it runs as soon as it is installed.", size="2"),
        ),
        add_form,
        rx.text(
            "LLM steps use this instance's configured model (AGENTFLOW_TEMPLATE_MODEL).",
            size="1",
            color=rx.color("gray", 11),
        ),
        data_testid="template-needs",
    )


def _inputs() -> rx.Component:
    def row(item: ObjectVar[dict[str, str]]) -> rx.Component:
        return rx.table.row(
            rx.table.cell(rx.code(item["name"])),
            rx.table.cell(item["type"]),
            rx.table.cell(item["required"]),
            rx.table.cell(item["description"]),
        )

    return _section(
        "Inputs",
        rx.cond(
            S.inputs.length() > 0,  # type: ignore[attr-defined]
            rx.table.root(rx.table.body(rx.foreach(S.inputs, row)), width="100%", size="1"),
            rx.text("None: it starts from its trigger alone.", size="2"),
        ),
        data_testid="template-inputs",
    )


def _steps() -> rx.Component:
    def row(item: ObjectVar[dict[str, str]]) -> rx.Component:
        return rx.hstack(
            rx.badge(item["type"], variant="soft"),
            rx.text(rx.cond(item["name"] != "", item["name"], item["id"]), size="2"),
        )

    return _section("Steps", rx.vstack(rx.foreach(S.steps, row), spacing="1"))


def _versions() -> rx.Component:
    def row(item: ObjectVar[dict[str, str]]) -> rx.Component:
        return rx.hstack(
            rx.badge("v", item["version"]),
            rx.text(item["changelog"], size="2"),
            rx.spacer(),
            rx.text(item["when"], size="1", color=rx.color("gray", 11)),
            rx.cond(
                S.can_install & (item["version"] != S.info["version"]),
                rx.button(
                    "Use this version",
                    size="1",
                    variant="soft",
                    on_click=S.open_install(item["version"]),
                    data_testid="install-version-" + item["version"],
                ),
            ),
            width="100%",
            align="center",
        )

    return _section(
        "Versions", rx.vstack(rx.foreach(S.versions, row), width="100%"), data_testid="versions"
    )


def _reviews() -> rx.Component:
    def row(item: ObjectVar[dict[str, str]]) -> rx.Component:
        return rx.vstack(
            rx.hstack(
                rx.text(item["stars"], color=rx.color("amber", 10)),
                rx.text(item["author"], weight="medium", size="2"),
                rx.text(item["when"], size="1", color=rx.color("gray", 11)),
            ),
            rx.cond(item["text"] != "", rx.text(item["text"], size="2")),
            spacing="1",
            data_testid="review",
        )

    form = rx.vstack(
        rx.text("Rate this template (once):", size="2", weight="medium"),
        rx.radio_group(
            ["1", "2", "3", "4", "5"],
            value=S.stars,
            on_change=S.set_stars,
            direction="row",
            aria_label="Stars, from 1 (poor) to 5 (excellent)",
        ),
        rx.text_area(
            placeholder="A short review (optional)",
            aria_label="Your review (optional)",
            value=S.review_text,
            on_change=S.set_review_text,
            rows="2",
            width="100%",
        ),
        rx.cond(S.rate_error != "", rx.text(S.rate_error, color="red", size="2")),
        rx.button("Submit rating", size="2", on_click=S.rate, data_testid="submit-rating"),
        width="100%",
    )
    return _section(
        "Ratings and reviews",
        rx.text(S.info["rating"], size="2", data_testid="rating-summary"),
        rx.cond(S.can_rate, form),
        rx.vstack(rx.foreach(S.reviews, row), spacing="3", width="100%"),
    )


def _review_status() -> rx.Component:
    """What became of the publishing organisation's request to share it instance-wide."""
    return rx.cond(
        S.mine & (S.info["review"] == "rejected"),
        rx.callout(
            "An instance admin did not approve this version for everyone. " + S.info["review_note"],
            color_scheme="red",
            width="100%",
            data_testid="review-status",
        ),
        rx.cond(
            S.mine & (S.info["review"] == "pending"),
            rx.callout(
                "Waiting for an instance admin's approval before other organisations see "
                "this version.",
                color_scheme="amber",
                width="100%",
                data_testid="review-status",
            ),
        ),
    )


def _admin_review() -> rx.Component:
    return rx.cond(
        S.pending_for_me,
        rx.callout.root(
            rx.callout.text("Shared with the whole instance: approve to list this version."),
            rx.input(
                placeholder="Note to the publisher (optional)",
                aria_label="Note to the publisher (optional)",
                value=S.decision_note,
                on_change=S.set_decision_note,
            ),
            rx.hstack(
                rx.button(
                    "Approve",
                    color_scheme="green",
                    on_click=S.decide(True),
                    data_testid="approve-template",
                ),
                rx.button("Reject", color_scheme="red", variant="soft", on_click=S.decide(False)),
            ),
            color_scheme="amber",
            width="100%",
        ),
    )


def _install_dialog() -> rx.Component:
    secrets = rx.cond(
        S.missing.length() > 0,  # type: ignore[attr-defined]
        rx.vstack(
            rx.text(
                "It reads secrets your organisation has not defined yet:", size="2", weight="medium"
            ),
            rx.cond(
                S.can_write_secrets,
                rx.vstack(rx.foreach(S.missing, _secret_input), width="100%"),
                rx.callout(
                    "Ask an admin of your organisation to add "
                    + S.missing.join(", ")  # type: ignore[attr-defined]
                    + ". You can install it now; runs are refused until they exist.",
                    color_scheme="amber",
                ),
            ),
            width="100%",
        ),
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Use this template"),
            rx.dialog.description(
                rx.cond(
                    S.install_version != "",
                    "A new workflow is created in your organisation from version "
                    + S.install_version
                    + ", not the newest.",
                    "A new workflow is created in your organisation.",
                )
            ),
            rx.vstack(
                rx.el.label(
                    "Workflow name", html_for="install-name", font_size="14px", font_weight="500"
                ),
                rx.input(
                    id="install-name",
                    value=S.install_name,
                    on_change=S.set_install_name,
                    data_testid="install-name",
                ),
                secrets,
                rx.cond(
                    S.install_error != "",
                    rx.callout(S.install_error, color_scheme="red", data_testid="install-error"),
                ),
                spacing="3",
                width="100%",
                padding_top="8px",
            ),
            dialog_footer(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.cond(
                    (S.missing.length() > 0) & S.can_write_secrets,  # type: ignore[attr-defined]
                    rx.button(
                        "Install without secrets",
                        variant="soft",
                        on_click=S.install(True),
                        data_testid="install-skip-secrets",
                    ),
                ),
                rx.button(
                    "Install and open", on_click=S.install(False), data_testid="install-submit"
                ),
            ),
            max_width="560px",
        ),
        open=S.install_open,
        on_open_change=S.set_install_open,
    )


def _header() -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.hstack(
                rx.badge(S.info["source_label"]),
                rx.badge(S.info["category"], variant="soft", color_scheme="gray"),
                rx.badge("version ", S.info["version"], variant="outline"),
                rx.cond(
                    S.info["pending"] != "", rx.badge("awaiting approval", color_scheme="amber")
                ),
                wrap="wrap",
            ),
            rx.heading(S.info["name"], size="6", as_="h2", data_testid="template-name"),
            rx.text(S.info["description"], color=rx.color("gray", 11)),
            rx.text(S.info["steps"], " · ", S.info["installs"], " · ", S.info["rating"], size="2"),
            align="start",
            spacing="2",
        ),
        rx.spacer(),
        rx.cond(
            S.mine,
            rx.button(
                "Delete", variant="soft", color_scheme="red", on_click=S.set_delete_open(True)
            ),
        ),
        rx.cond(
            S.can_install,
            rx.button(
                rx.icon("download", size=16),
                "Use this template",
                size="3",
                on_click=S.open_install(""),
                data_testid="use-template",
            ),
        ),
        width="100%",
        align="start",
    )


def _body() -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14), "All templates"), href="/templates"),
        _header(),
        _review_status(),
        _admin_review(),
        graph_preview(
            S.graph_nodes,
            S.graph_edges,
            S.graph_view_box,
            S.graph_width,
            S.graph_min_width,
            "The template's steps",
        ),
        rx.grid(
            _inputs(),
            _needs(),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        rx.grid(
            _steps(),
            _versions(),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        _reviews(),
        _install_dialog(),
        confirm_dialog(
            title="Delete this template?",
            description=rx.text(
                "“",
                S.info["name"],
                "” and its versions and reviews are deleted. Workflows "
                "already installed from it stay. This cannot be undone.",
            ),
            confirm_label="Delete",
            open=S.delete_open,
            on_cancel=S.set_delete_open(False),
            on_confirm=S.delete,
            confirm_test_id="confirm-delete-template",
        ),
        spacing="4",
        width="100%",
    )


def template_detail_page() -> rx.Component:
    return page_frame(
        "Templates",
        "Preview what a template does and what it needs, then install it.",
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", width="100%")),
        rx.cond(
            ~S.loaded,
            rx.hstack(rx.spinner(), rx.text("Loading the template")),
            rx.cond(
                S.not_found,
                empty_state(
                    icon="search-x",
                    title="Template not found",
                    explanation="It does not exist, or it is not shared with your organisation.",
                    action_label="Browse the gallery",
                    action_href="/templates",
                ),
                _body(),
            ),
        ),
    )
