"""A row of checkboxes choosing several of a fixed set (API key scopes, webhook events)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import reflex as rx


def choice_boxes(
    options: Sequence[str],
    chosen: Any,
    on_toggle: Any,
    test_id_prefix: str,
    **row_props: Any,
) -> rx.Component:
    """One box an option, checked when ``chosen`` (a list var) holds it.

    ``on_toggle`` is the event handler taking (option, checked).
    """

    def box(option: str) -> rx.Component:
        return rx.checkbox(
            option,
            checked=chosen.contains(option),
            on_change=lambda checked: on_toggle(option, checked),
            data_testid=f"{test_id_prefix}{option}",
        )

    return rx.hstack(*[box(option) for option in options], spacing="4", **row_props)
