"""Settings → Secrets: names only; create, replace a value, delete (confirmed)."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from agentflow.engine.masking import MASK, MIN_MASKED_LENGTH
from components.callouts import error_callout
from components.dialogs import confirm_dialog, dialog_footer
from components.list_table import list_table
from components.settings_nav import settings_nav
from components.shell import page_frame
from state.pages.secrets.state import NAME_FIELD, VALUE_FIELD
from state.pages.secrets.state import SecretsState as S


def _explanation() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("info")),
        rx.callout.text(
            "A workflow reads a secret as ",
            rx.code("{{ env.NAME }}"),
            ", placed whole into an HTTP request's URL, headers or body (for example an "
            "Authorization header); any other use in a workflow is refused. Values are "
            "encrypted and never shown again, not even here: replace one to change it. "
            f"Wherever a value would appear in a run record, step output or log, it is "
            f"masked as {MASK}.",
        ),
        width="100%",
        data_testid="secrets-explanation",
    )


def _value_input(field_id: str, test_id: str) -> rx.Component:
    return rx.input(
        id=field_id,
        name="value",
        type="password",
        auto_complete=False,
        placeholder=f"at least {MIN_MASKED_LENGTH} characters",
        width="320px",
        data_testid=test_id,
    )


def _create_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Add a secret", size="4", as_="h2"),
                rx.hstack(
                    rx.vstack(
                        rx.el.label("Name", html_for=NAME_FIELD, font_size="14px"),
                        rx.input(
                            id=NAME_FIELD,
                            name="name",
                            placeholder="OPENAI_API_KEY",
                            max_length=64,
                            auto_complete=False,
                            width="260px",
                            data_testid="secret-name",
                        ),
                        spacing="1",
                    ),
                    rx.vstack(
                        rx.el.label("Value", html_for=VALUE_FIELD, font_size="14px"),
                        _value_input(VALUE_FIELD, "secret-value"),
                        spacing="1",
                    ),
                    align="end",
                    wrap="wrap",
                    spacing="3",
                ),
                rx.text(
                    "Names: an uppercase letter, then uppercase letters, digits or underscores.",
                    size="1",
                    color=rx.color("gray", 11),
                ),
                rx.cond(
                    S.create_error != "",
                    rx.text(S.create_error, color="red", size="2", data_testid="secret-error"),
                ),
                rx.button("Save secret", type="submit", data_testid="create-secret"),
                spacing="2",
            ),
            on_submit=S.create,
        ),
        width="100%",
    )


def _row(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.code(row["name"], data_testid="secret-row-name")),
        rx.table.cell(rx.text(row["created"]), rx.text(row["created_by"], size="1")),
        rx.table.cell(rx.text(row["updated"]), rx.text(row["updated_by"], size="1")),
        rx.table.cell(
            rx.cond(
                S.can_write,
                rx.hstack(
                    rx.button(
                        "Replace value",
                        size="1",
                        variant="soft",
                        on_click=S.ask_update(row["name"]),
                        data_testid="update-secret",
                    ),
                    rx.button(
                        "Delete",
                        size="1",
                        color_scheme="red",
                        variant="soft",
                        on_click=S.ask_delete(row["name"]),
                        data_testid="delete-secret",
                    ),
                    spacing="2",
                ),
            )
        ),
        data_testid="secret-row",
    )


def _table() -> rx.Component:
    headers = ["Name", "Created (by)", "Value last set (by)", ""]
    return list_table(
        headers,
        S.rows,
        _row,
        rx.text("No secrets yet.", color=rx.color("gray", 11), data_testid="no-secrets"),
    )


def _update_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Replace the value of ", S.update_name),
            rx.dialog.description(
                "The old value is discarded. Runs started from now on use the new one.",
                size="2",
            ),
            rx.form(
                rx.vstack(
                    rx.el.label("New value", html_for="update-secret-value", font_size="14px"),
                    _value_input("update-secret-value", "update-secret-value"),
                    rx.cond(
                        S.update_error != "",
                        rx.text(S.update_error, color="red", size="2"),
                    ),
                    dialog_footer(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                        rx.button("Replace", type="submit", data_testid="confirm-update-secret"),
                    ),
                    spacing="2",
                    padding_top="8px",
                ),
                on_submit=S.update,
                reset_on_submit=True,
            ),
        ),
        open=S.update_name != "",
        on_open_change=S.set_update_open,
    )


def _delete_dialog() -> rx.Component:
    return confirm_dialog(
        title="Delete secret?",
        description=rx.text(
            "Runs of workflows that read ",
            rx.code(S.delete_name),
            " will fail at the step that uses it. This cannot be undone.",
        ),
        confirm_label="Delete",
        open=S.delete_name != "",
        on_cancel=S.cancel_delete,
        on_confirm=S.confirm_delete,
        confirm_test_id="confirm-delete-secret",
    )


def secrets_page() -> rx.Component:
    return page_frame(
        "Secrets",
        "API keys and passwords your workflows use, stored encrypted.",
        settings_nav(),
        rx.cond(
            ~S.loaded,
            rx.hstack(rx.spinner(), rx.text("Loading secrets")),
            rx.vstack(
                _explanation(),
                error_callout(S.error, "secrets-error"),
                rx.cond(
                    S.notice != "",
                    rx.callout(
                        S.notice, color_scheme="green", width="100%", data_testid="secrets-notice"
                    ),
                ),
                rx.cond(S.can_write, _create_form()),
                _table(),
                _update_dialog(),
                _delete_dialog(),
                spacing="4",
                width="100%",
            ),
        ),
    )
