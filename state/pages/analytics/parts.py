"""View pieces shared by the analytics pages: period picker, cards, chart cards, export."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from components.date_range import date_range
from state.pages.analytics.period import PRESET_OPTIONS


def period_picker(state: Any) -> rx.Component:
    """Preset, custom days and time zone; ``state`` has the period vars and setters."""
    return rx.hstack(
        rx.select.root(
            rx.select.trigger(aria_label="Period", data_testid="period-preset"),
            rx.select.content(
                *[rx.select.item(p["label"], value=p["value"]) for p in PRESET_OPTIONS]
            ),
            value=state.preset,
            on_change=state.set_preset,
        ),
        rx.cond(
            state.preset == "custom",
            rx.hstack(
                date_range(
                    state.since,
                    state.set_since,
                    state.until,
                    state.set_until,
                    labels=("First day of the period", "Last day of the period"),
                    test_ids=("period-since", "period-until"),
                ),
                align="center",
            ),
        ),
        rx.select.root(
            rx.select.trigger(aria_label="Time zone", data_testid="period-tz"),
            rx.select.content(rx.foreach(state.zones, lambda z: rx.select.item(z, value=z))),
            value=state.tz,
            on_change=state.set_tz,
        ),
        rx.cond(state.loading, rx.spinner(size="2")),
        rx.spacer(),
        rx.text(state.period_label, size="2", color=rx.color("gray", 11)),
        width="100%",
        align="center",
        wrap="wrap",
    )


def summary_card(card: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(card["label"], size="2", color=rx.color("gray", 11)),
            rx.text(card["value"], size="6", weight="bold", data_testid="card-value"),
            rx.text(card["note"], size="1", color=rx.color(card["color"].to(str), 11)),
            spacing="1",
        ),
        data_testid="card-" + card["key"].to(str),
        min_width="150px",
        flex="1",
    )


def export_menu(on_export: Any, dataset: str, label: str = "Export") -> rx.Component:
    """CSV and JSON downloads of one chart's data."""
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(
            rx.button(
                rx.icon("download", size=14),
                label,
                variant="ghost",
                size="1",
                data_testid=f"export-{dataset}",
            ),
        ),
        rx.dropdown_menu.content(
            rx.dropdown_menu.item(
                "CSV", on_click=on_export(dataset, "csv"), data_testid=f"export-{dataset}-csv"
            ),
            rx.dropdown_menu.item(
                "JSON", on_click=on_export(dataset, "json"), data_testid=f"export-{dataset}-json"
            ),
        ),
    )


def chart_card(
    title: str, figure: Any, *, dataset: str, on_export: Any, loading: Any, empty: Any = None,
    empty_text: str = "Nothing in this period.",
) -> rx.Component:  # fmt: skip
    """A titled Plotly chart with its export menu, a loading veil and an empty message."""
    chart = rx.plotly(data=figure, width="100%", config={"displaylogo": False, "responsive": True})
    body = chart if empty is None else rx.cond(
        empty, rx.center(rx.text(empty_text, color=rx.color("gray", 10)), height="200px"), chart
    )  # fmt: skip
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(title, size="3", as_="h2"),
                rx.spacer(),
                export_menu(on_export, dataset),
                width="100%",
                align="center",
            ),
            rx.box(
                body,
                opacity=rx.cond(loading, "0.4", "1"),
                width="100%",
            ),
            width="100%",
        ),
        width="100%",
        data_testid=f"chart-{dataset}",
    )
