"""Settings → API keys: list, create (secret shown once) and revoke (confirmed)."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from components.callouts import shown_once_callout
from components.choice_boxes import choice_boxes
from components.dialogs import confirm_dialog
from components.list_table import list_table
from components.settings_nav import settings_nav
from components.shell import page_frame
from state.pages.api_keys.state import SCOPES
from state.pages.api_keys.state import ApiKeysState as S


def _row(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row["name"], weight="medium")),
        rx.table.cell(rx.code(row["prefix"])),
        rx.table.cell(rx.text(row["scopes"])),
        rx.table.cell(rx.text(row["created"])),
        rx.table.cell(rx.text(row["last_used"])),
        rx.table.cell(
            rx.cond(
                row["revoked"] != "",
                rx.badge("revoked", color_scheme="gray"),
                rx.button(
                    "Revoke",
                    size="1",
                    color_scheme="red",
                    variant="soft",
                    on_click=S.ask_revoke(row["id"], row["name"]),
                    data_testid="revoke-key",
                ),
            )
        ),
        data_testid="api-key-row",
    )


def _table() -> rx.Component:
    headers = ["Name", "Key", "Scopes", "Created", "Last used", ""]
    return list_table(
        headers,
        S.rows,
        _row,
        rx.text("No API keys yet.", color=rx.color("gray", 11), data_testid="no-keys"),
    )


def _create_form() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Create an API key", size="4", as_="h2"),
            rx.el.label("Name", html_for="new-key-name", font_size="14px"),
            rx.input(
                id="new-key-name",
                placeholder="e.g. CI pipeline",
                value=S.new_name,
                on_change=S.set_new_name,
                max_length=100,
                width="320px",
                data_testid="new-key-name",
            ),
            rx.text("Scopes", size="2"),
            choice_boxes(SCOPES, S.new_scopes, S.toggle_scope, "scope-"),
            rx.cond(S.create_error != "", rx.text(S.create_error, color="red", size="2")),
            rx.button("Create key", on_click=S.create, data_testid="create-key"),
            spacing="2",
        ),
        width="100%",
    )


def _secret_callout() -> rx.Component:
    return shown_once_callout(
        S.new_secret,
        icon="key-round",
        explanation="Copy this key now: it is shown only once and cannot be retrieved later.",
        on_done=S.dismiss_secret,
        test_ids=("new-key-callout", "new-key-secret", "copy-secret"),
    )


def _revoke_dialog() -> rx.Component:
    return confirm_dialog(
        title="Revoke API key?",
        description=rx.text(
            "“", S.revoke_name, "” will stop working immediately. This cannot be undone."
        ),
        confirm_label="Revoke",
        open=S.revoke_id != "",
        on_cancel=S.cancel_revoke,
        on_confirm=S.confirm_revoke,
        confirm_test_id="confirm-revoke",
    )


def _signed_out() -> rx.Component:
    return rx.callout.root(
        rx.callout.text(
            "Sign in to manage API keys. ",
            rx.link("Log in", href="/login"),
            " or ",
            rx.link("create an account", href="/signup"),
            ".",
        ),
        width="100%",
        data_testid="signed-out",
    )


def api_keys_page() -> rx.Component:
    return page_frame(
        "API keys",
        "Keys let scripts call the REST API as your organisation.",
        settings_nav(),
        rx.cond(
            ~S.loaded,
            rx.hstack(rx.spinner(), rx.text("Loading")),
            rx.cond(
                S.signed_in,
                rx.vstack(
                    rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", width="100%")),
                    _secret_callout(),
                    _create_form(),
                    _table(),
                    _revoke_dialog(),
                    spacing="4",
                    width="100%",
                ),
                _signed_out(),
            ),
        ),
    )
