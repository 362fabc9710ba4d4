"""The builder's Versions dialog (publish with a message, history with rollback, compare,
and the webhook tab from builder_webhook.py) and the rollback confirmation.
State: state/pages/builder/versions.py.

Messages, author names and URLs are rendered as text, never as HTML.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from components.dialogs import confirm_dialog, dialog_footer
from state.pages.builder.versions import BuilderVersionsState
from state.pages.builder.webhook_panel import webhook_tab
from state.session import SessionState

S = BuilderVersionsState
LINE_COLORS = (("added", "green"), ("removed", "red"), ("changed", "amber"))


def _can(action: str) -> Any:
    return SessionState.allowed.contains(action)  # type: ignore[attr-defined]


def _muted(text: Any, **props: Any) -> rx.Component:
    return rx.text(text, size="2", color=rx.color("gray", 11), **props)


def _publish_form() -> rx.Component:
    return rx.cond(
        _can("workflow.publish"),
        rx.hstack(
            rx.input(
                value=S.publish_message,
                on_change=S.set_publish_message,
                placeholder="What changed? (optional message)",
                max_length=500,
                width="100%",
                data_testid="publish-message",
            ),
            rx.button(
                rx.icon("upload", size=14),
                "Publish draft",
                on_click=S.publish,
                loading=S.publishing,
                data_testid="publish-version",
            ),
            width="100%",
            spacing="2",
        ),
    )


def _version_row(row: ObjectVar[dict[str, str]]) -> rx.Component:
    number = row["version"].to(str)
    return rx.hstack(
        rx.badge("v" + number, variant="surface", size="2", color_scheme="indigo"),
        rx.vstack(
            rx.hstack(
                rx.text(
                    rx.cond(row["message"] != "", row["message"], "No message"),
                    size="2",
                    weight="medium",
                    color=rx.cond(row["message"] != "", rx.color("gray", 12), rx.color("gray", 10)),
                ),
                rx.cond(
                    row["latest"] != "",
                    rx.badge("Latest · live", color_scheme="green", variant="soft", size="1"),
                ),
                spacing="2",
                align="center",
            ),
            rx.text(
                row["author"].to(str) + " · " + row["when"].to(str),
                size="1",
                color=rx.color("gray", 10),
                title=row["at"],
            ),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.cond(
            (row["latest"] == "") & _can("workflow.publish"),
            rx.button(
                rx.icon("history", size=14),
                "Roll back",
                size="1",
                variant="soft",
                color_scheme="orange",
                on_click=S.ask_rollback(number),
                data_testid="rollback-" + number,
            ),
        ),
        width="100%",
        align="center",
        spacing="3",
        padding="8px 4px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        data_testid="version-row",
    )


def _history() -> rx.Component:
    return rx.vstack(
        _publish_form(),
        rx.cond(
            S.loading,
            rx.center(rx.spinner(size="3"), padding="24px", width="100%"),
            rx.cond(
                S.rows.length() > 0,  # type: ignore[attr-defined]
                rx.vstack(
                    rx.foreach(S.rows, _version_row),
                    spacing="0",
                    width="100%",
                    max_height="340px",
                    overflow_y="auto",
                    data_testid="version-list",
                ),
                rx.center(
                    rx.vstack(
                        rx.icon("history", size=28, color=rx.color("gray", 9)),
                        rx.text("No published version yet", weight="medium"),
                        _muted(
                            "Publish the draft to make version 1: triggers and the API run "
                            "the latest published version.",
                            align="center",
                        ),
                        align="center",
                        spacing="2",
                    ),
                    padding="24px",
                    width="100%",
                    data_testid="versions-empty",
                ),
            ),
        ),
        spacing="3",
        width="100%",
    )


def _version_select(value: Any, on_change: Any, test_id: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(width="150px", data_testid=test_id),
        rx.select.content(
            rx.foreach(
                S.version_options,
                lambda option: rx.select.item(
                    rx.cond(option == "draft", "Draft", "Version " + option), value=option
                ),
            )
        ),
        value=value,
        on_change=on_change,
    )


def _diff_result() -> rx.Component:
    return rx.cond(
        S.compared,
        rx.vstack(
            rx.hstack(
                rx.text(S.diff_title, weight="bold", size="2"),
                rx.text(S.diff_summary, size="2", color=rx.color("gray", 11)),
                spacing="2",
                wrap="wrap",
            ),
            rx.cond(
                S.diff_lines.length() > 0,  # type: ignore[attr-defined]
                rx.vstack(
                    rx.foreach(
                        S.diff_lines,
                        lambda line: rx.text(
                            line["text"],
                            size="2",
                            font_family="var(--code-font-family)",
                            color=rx.color(rx.match(line["kind"], *LINE_COLORS, "gray"), 11),
                        ),
                    ),
                    spacing="1",
                    width="100%",
                    max_height="240px",
                    overflow_y="auto",
                    padding="8px 10px",
                    border=f"1px solid {rx.color('gray', 5)}",
                    border_radius="6px",
                    data_testid="diff-lines",
                ),
                _muted(
                    "No differences: both run the same workflow (node positions are ignored).",
                    data_testid="diff-empty",
                ),
            ),
            rx.button(
                rx.icon("scan-eye", size=14),
                "Show on canvas",
                variant="soft",
                on_click=S.show_on_canvas,
                data_testid="show-diff-on-canvas",
            ),
            spacing="2",
            width="100%",
        ),
    )


def _compare() -> rx.Component:
    return rx.cond(
        S.rows.length() > 0,  # type: ignore[attr-defined]
        rx.vstack(
            _muted("Nodes and edges added, removed and changed; positions are ignored."),
            rx.hstack(
                _version_select(S.compare_from, S.set_compare_from, "compare-from"),
                rx.icon("arrow-right", size=16, color=rx.color("gray", 10)),
                _version_select(S.compare_to, S.set_compare_to, "compare-to"),
                rx.button("Compare", on_click=S.compare, data_testid="compare"),
                align="center",
                spacing="2",
            ),
            _diff_result(),
            spacing="3",
            width="100%",
        ),
        _muted("Publish a version first: then compare any two versions, or one with the draft."),
    )


def versions_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Versions"),
            rx.dialog.description(
                "Published versions never change. Triggers and the API run the latest one; "
                "rolling back publishes an old version again as the newest.",
                size="2",
            ),
            rx.cond(
                S.error != "",
                rx.callout(S.error, icon="triangle-alert", color_scheme="red", size="1"),
            ),
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger("History", value="versions", data_testid="tab-versions"),
                    rx.tabs.trigger("Compare", value="compare", data_testid="tab-compare"),
                    rx.tabs.trigger("Webhook", value="webhook", data_testid="tab-webhook"),
                ),
                rx.tabs.content(_history(), value="versions", padding_top="12px"),
                rx.tabs.content(_compare(), value="compare", padding_top="12px"),
                rx.tabs.content(webhook_tab(), value="webhook", padding_top="12px"),
                value=S.tab,
                on_change=S.set_tab,
                width="100%",
                padding_top="8px",
            ),
            dialog_footer(rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray"))),
            max_width="680px",
            data_testid="versions-dialog",
        ),
        open=S.open,
        on_open_change=S.set_open,
    )


def rollback_confirm() -> rx.Component:
    return confirm_dialog(
        title="Roll back?",
        description=rx.text(
            "Version ",
            S.rollback_version,
            " will be published again as the newest version, and it becomes the draft: "
            "unpublished changes in the draft are replaced.",
        ),
        confirm_label="Roll back",
        open=S.rollback_version != "",
        on_cancel=S.cancel_rollback,
        on_confirm=S.confirm_rollback,
        confirm_test_id="confirm-rollback",
    )
