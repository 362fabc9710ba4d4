"""Dialog pieces shared by the pages: the button row and a confirmation for
destructive actions."""

from __future__ import annotations

from typing import Any

import reflex as rx


def dialog_footer(*buttons: rx.Component) -> rx.Component:
    """The row of buttons at the bottom of a dialog, right-aligned."""
    return rx.hstack(*buttons, justify="end", width="100%", padding_top="12px")


def confirm_dialog(
    *,
    title: str,
    description: rx.Component,
    confirm_label: str,
    open: Any,
    on_cancel: Any,
    on_confirm: Any,
    confirm_test_id: str,
) -> rx.Component:
    """Asks before something that cannot be undone; Cancel is the safe default."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description),
            dialog_footer(
                rx.button("Cancel", variant="soft", color_scheme="gray", on_click=on_cancel),
                rx.button(
                    confirm_label,
                    color_scheme="red",
                    on_click=on_confirm,
                    data_testid=confirm_test_id,
                ),
            ),
        ),
        open=open,
    )
