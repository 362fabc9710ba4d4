"""The Analytics page state: the organisation's dashboard for a chosen period."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import plotly.graph_objects as go
import reflex as rx

from agentflow.errors import AgentFlowError, Forbidden
from agentflow.services.governance import analytics as service
from components import analytics_charts as charts
from components.formatting import duration, money, percent
from state.common import database_url
from state.pages.analytics.period import PeriodState, cards, describe, period_from
from state.session import current_actor


def _workflow_row(row: dict[str, Any]) -> dict[str, str]:
    return {
        "workflow_id": row["workflow_id"],
        "workflow": row["workflow"],
        "runs": f"{row['runs']:,}",
        "failures": f"{row['failures']:,}",
        "failure_rate": percent(row["failure_rate"]),
        "avg_duration": duration(row["avg_duration_ms"] / 1000)
        if row["avg_duration_ms"] is not None
        else "–",
        "cost": money(row["cost_usd"]),
    }


class AnalyticsState(PeriodState, rx.State):
    loading: bool = False
    loaded: bool = False
    error: str = ""
    has_data: bool = False
    period_label: str = ""
    summary_cards: list[dict[str, str]] = []
    workflow_rows: list[dict[str, str]] = []
    has_tokens: bool = False
    has_cost: bool = False
    runs_figure: go.Figure = go.Figure()
    cost_model_figure: go.Figure = go.Figure()
    cost_workflow_figure: go.Figure = go.Figure()
    tokens_figure: go.Figure = go.Figure()
    durations_figure: go.Figure = go.Figure()

    @rx.var
    def period_query(self) -> str:
        """The period as a query string, so a workflow's page opens on the same period."""
        return "?" + urlencode(
            {"preset": self.preset, "tz": self.tz, "since": self.since, "until": self.until}
        )

    @rx.event
    async def load(self) -> AsyncIterator[Any]:
        async for update in self._reload():
            yield update

    async def _reload(self) -> AsyncIterator[Any]:
        self.loading, self.error = True, ""
        yield
        actor = await current_actor(self)
        try:
            if actor is None:
                raise Forbidden("your session has ended: log in again")
            period = period_from(self.preset, self.tz, self.since, self.until)
            data = await asyncio.to_thread(service.overview, database_url(), actor, period)
        except AgentFlowError as exc:
            self.error, self.loading = exc.message, False
            return
        self._show(data, describe(period))
        self.loading, self.loaded = False, True

    def _show(self, data: dict[str, Any], label: str) -> None:
        summary = data["summary"]
        self.period_label = label
        self.has_data = summary["runs"] > 0
        self.summary_cards = cards(summary, data["changes"])
        self.workflow_rows = [_workflow_row(row) for row in data["workflows"]]
        self.has_tokens = bool(data["tokens_by_provider"])
        self.has_cost = summary["cost_usd"] > 0
        self.runs_figure = charts.runs_by_status(data)
        self.cost_model_figure = charts.cost_by(data, "model")
        self.cost_workflow_figure = charts.cost_by(data, "workflow")
        self.tokens_figure = charts.tokens_by_provider(data)
        self.durations_figure = charts.durations(data["durations"])

    @rx.event
    async def export(self, dataset: str, fmt: str) -> Any:
        actor = await current_actor(self)
        try:
            if actor is None:
                raise Forbidden("your session has ended: log in again")
            period = period_from(self.preset, self.tz, self.since, self.until)
            filename, _, body = await asyncio.to_thread(
                service.export, database_url(), actor, period, dataset, fmt
            )
        except AgentFlowError as exc:
            self.error = exc.message
            return None
        return rx.download(data=body, filename=filename)
