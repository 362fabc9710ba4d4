"""A failed step's error, with a way to fix it when the error names a settings page."""

from __future__ import annotations

from typing import Any

import reflex as rx

from agentflow.llm.catalog import SETTINGS_PATH


def step_error(error_type: Any, message: Any, test_id: Any) -> rx.Component:
    """``type: message`` as text; a missing or refused model key links to its settings."""
    error_type, message = rx.Var.create(error_type).to(str), rx.Var.create(message).to(str)
    return rx.callout.root(
        rx.callout.icon(rx.icon("triangle-alert")),
        rx.vstack(
            rx.callout.text(error_type + ": " + message),
            rx.cond(
                # Guarded: a message not loaded yet is undefined, which has no .includes.
                rx.cond(message, message.contains(SETTINGS_PATH), False),
                rx.link(
                    "Open Settings → Model providers",
                    href=SETTINGS_PATH,
                    size="1",
                    weight="medium",
                    data_testid=test_id + "-fix",
                ),
            ),
            spacing="1",
        ),
        color_scheme="red",
        size="1",
        data_testid=test_id,
    )
