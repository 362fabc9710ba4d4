"""A table of a list var's rows, or a line saying there are none yet."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import reflex as rx


def rows_table(
    headers: Sequence[str],
    rows: Any,
    render_row: Callable[[Any], rx.Component],
    **table_props: Any,
) -> rx.Component:
    """``rows`` (a list var) as a full-width table with ``headers``."""
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
        rx.table.body(rx.foreach(rows, render_row)),
        width="100%",
        **table_props,
    )


def list_table(
    headers: Sequence[str],
    rows: Any,
    render_row: Callable[[Any], rx.Component],
    empty: rx.Component,
    **table_props: Any,
) -> rx.Component:
    """``rows`` (a list var) as a full-width table with ``headers``; ``empty`` when it has none."""
    return rx.cond(
        rows.length() > 0,
        rows_table(headers, rows, render_row, **table_props),
        empty,
    )
