"""Plotly figures for the analytics pages, built from agentflow.analytics results.

Pure functions (no Reflex): states turn service results into figures with them and
tests can inspect the traces. Every figure keeps Plotly's hover and zoom; the
x axis of a time series lists every bucket of the period so empty days show.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import plotly.graph_objects as go

# The Radix colours of components/status.py's badges, as hex for Plotly.
HEX = {"gray": "#8b8d98", "blue": "#0090ff", "amber": "#ffc53d", "green": "#30a46c",
       "red": "#e5484d", "orange": "#f76b15", "violet": "#6e56cf"}  # fmt: skip
STATUS_HEX = {"succeeded": HEX["green"], "failed": HEX["red"], "timed_out": "#ce2c31",
              "cancelled": HEX["orange"]}  # fmt: skip
STATUS_ORDER = ("succeeded", "failed", "timed_out", "cancelled")


def _layout(figure: go.Figure, *, y_title: str, stacked: bool = False) -> go.Figure:
    figure.update_layout(
        barmode="stack" if stacked else "group",
        hovermode="x unified",
        dragmode="zoom",
        margin={"l": 48, "r": 16, "t": 16, "b": 40},
        height=300,
        legend={"orientation": "h", "y": -0.2},
        yaxis_title=y_title,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return figure


def _time_axis(figure: go.Figure, buckets: list[str]) -> go.Figure:
    """The same x axis on every time series: each bucket of the period, in order.

    Plotly would read bucket labels as dates on one chart and, on a chart with no
    data yet, draw a bare numeric axis; fixing the categories keeps the charts of
    a page aligned bucket for bucket, empty or not.
    """
    if not figure.data:  # an axis needs a trace: an invisible one, out of the legend
        figure.add_trace(
            go.Bar(x=buckets, y=[0] * len(buckets), showlegend=False, hoverinfo="skip")
        )
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=buckets)
    return figure


def _by(rows: list[dict[str, Any]], key: str, measure: str) -> dict[str, dict[str, float]]:
    series: dict[str, dict[str, float]] = defaultdict(dict)
    for row in rows:
        series[str(row[key])][row["bucket"]] = float(row[measure])
    return series


def stacked_series(
    rows: list[dict[str, Any]], buckets: list[str], key: str, measure: str, *, y_title: str,
    order: tuple[str, ...] = (), money: bool = False,
) -> go.Figure:  # fmt: skip
    """One bar trace per value of ``key`` (status, model, workflow), stacked per bucket."""
    series = _by(rows, key, measure)
    names = [n for n in order if n in series] + sorted(n for n in series if n not in order)
    figure = go.Figure()
    for name in names:
        color = STATUS_HEX.get(name) if key == "status" else None
        figure.add_trace(
            go.Bar(
                name=name,
                x=buckets,
                y=[series[name].get(bucket, 0) for bucket in buckets],
                marker_color=color,
                hovertemplate="%{y:$.4f}" if money else "%{y}",
            )
        )
    figure = _layout(figure, y_title=y_title, stacked=True)
    # Named even when there is one series (Plotly hides a lone trace's legend).
    figure.update_layout(showlegend=bool(names))
    return _time_axis(figure, buckets)


def runs_by_status(data: dict[str, Any]) -> go.Figure:
    buckets = data["period"]["buckets"]
    return stacked_series(
        data["runs_by_status"], buckets, "status", "runs", y_title="runs", order=STATUS_ORDER
    )


def cost_by(data: dict[str, Any], key: str) -> go.Figure:
    dataset = "cost_by_model" if key == "model" else "cost_by_workflow"
    return stacked_series(
        data[dataset], data["period"]["buckets"], key, "cost_usd", y_title="USD", money=True
    )


def tokens_by_provider(data: dict[str, Any]) -> go.Figure:
    rows = data["tokens_by_provider"]
    providers = [row["provider"] for row in rows]
    figure = go.Figure(
        [
            go.Bar(name="prompt", x=providers, y=[row["prompt_tokens"] for row in rows]),
            go.Bar(name="completion", x=providers, y=[row["completion_tokens"] for row in rows]),
        ]
    )
    return _layout(figure, y_title="tokens", stacked=True)


def durations(rows: list[dict[str, Any]]) -> go.Figure:
    figure = go.Figure(
        go.Bar(
            x=[row["range"] for row in rows],
            y=[row["runs"] for row in rows],
            marker_color=HEX["blue"],
            hovertemplate="%{x}: %{y} runs<extra></extra>",
        )
    )
    figure = _layout(figure, y_title="runs")
    figure.update_layout(hovermode="closest")
    return figure


def success_trend(rows: list[dict[str, Any]], buckets: list[str]) -> go.Figure:
    rates = {row["bucket"]: row["success_rate"] * 100 for row in rows}
    figure = go.Figure(
        go.Scatter(
            x=buckets,
            y=[rates.get(bucket) for bucket in buckets],
            mode="lines+markers",
            connectgaps=False,
            line={"color": HEX["green"]},
            hovertemplate="%{y:.1f}%<extra>success rate</extra>",
        )
    )
    figure = _layout(figure, y_title="success rate (%)")
    figure.update_yaxes(range=[0, 105])
    return _time_axis(figure, buckets)


def breakdown(rows: list[dict[str, Any]], key: str, measure: str, color: str) -> go.Figure:
    """A horizontal bar per item (error type, node), the largest on top."""
    ordered = list(reversed(rows))
    figure = go.Figure(
        go.Bar(
            x=[row[measure] for row in ordered],
            y=[str(row[key]) for row in ordered],
            orientation="h",
            marker_color=HEX[color],
        )
    )
    figure = _layout(figure, y_title="")
    figure.update_layout(hovermode="closest", height=max(200, 40 * len(rows) + 80))
    return figure
