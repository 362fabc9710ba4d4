"""Validation problems (``{"where", "message"}`` rows) as a scrollable list."""

from __future__ import annotations

from typing import Any

import reflex as rx


def problem_list(rows: Any, test_id: str) -> rx.Component:
    return rx.vstack(
        rx.foreach(
            rows,
            lambda row: rx.box(
                rx.text(
                    row["where"], size="1", color=rx.color("gray", 11), font_family="monospace"
                ),
                rx.text(row["message"], size="2"),
                padding="4px 0",
            ),
        ),
        max_height="260px",
        overflow_y="auto",
        width="100%",
        spacing="1",
        data_testid=test_id,
    )
