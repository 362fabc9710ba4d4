"""Callouts shared by the settings pages: an error, and a value shown only once."""

from __future__ import annotations

from typing import Any

import reflex as rx


def error_callout(message: Any, test_id: Any) -> rx.Component:
    """A service's refusal or error, shown as text, when there is one."""
    return rx.cond(
        message != "",
        rx.callout(message, color_scheme="red", role="alert", width="100%", data_testid=test_id),
    )


def shown_once_callout(
    value: Any,
    *,
    icon: str,
    explanation: str,
    on_done: Any,
    test_ids: tuple[str, str, str],
) -> rx.Component:
    """A new secret value (API key, invitation link) with a copy button.

    The page holds it only until "Done" or the next visit: it cannot be shown
    again. ``test_ids``: the callout's, the value's and the copy button's.
    """
    callout_id, value_id, copy_id = test_ids
    return rx.cond(
        value != "",
        rx.callout.root(
            rx.callout.icon(rx.icon(icon)),
            rx.callout.text(explanation),
            rx.hstack(
                rx.code(value, size="2", word_break="break-all", data_testid=value_id),
                rx.button(
                    rx.icon("copy", size=14),
                    "Copy",
                    size="1",
                    variant="soft",
                    on_click=rx.set_clipboard(value),
                    data_testid=copy_id,
                ),
                rx.button("Done", size="1", variant="ghost", on_click=on_done),
                align="center",
                wrap="wrap",
            ),
            color_scheme="amber",
            width="100%",
            data_testid=callout_id,
        ),
    )
