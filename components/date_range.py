""" "From <date> to <date>": the two date fields of a filter or a custom period."""

from __future__ import annotations

from typing import Any

import reflex as rx


def date_range(
    since: Any,
    set_since: Any,
    until: Any,
    set_until: Any,
    *,
    labels: tuple[str, str],
    test_ids: tuple[str, str],
) -> rx.Component:
    """Each field named for what it bounds (``labels``), since "From" and "to" alone
    say nothing to a screen reader."""
    return rx.fragment(
        rx.text("From", size="2"),
        rx.input(
            type="date",
            value=since,
            on_change=set_since,
            aria_label=labels[0],
            data_testid=test_ids[0],
        ),
        rx.text("to", size="2"),
        rx.input(
            type="date",
            value=until,
            on_change=set_until,
            aria_label=labels[1],
            data_testid=test_ids[1],
        ),
    )
