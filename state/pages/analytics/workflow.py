"""One workflow's analytics page state: trend, durations, errors and bottlenecks."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import plotly.graph_objects as go
import reflex as rx

from agentflow.analytics.periods import PRESETS, InvalidPeriod, zone
from agentflow.errors import AgentFlowError, Forbidden, NotFound
from agentflow.services.governance import analytics as service
from components import analytics_charts as charts
from components.formatting import duration, money
from state.common import database_url
from state.pages.analytics.period import PeriodState, cards, describe, period_from
from state.session import current_actor


def _node_row(node: dict[str, Any]) -> dict[str, str]:
    return {
        "node": node["node"],
        "steps": f"{node['steps']:,}",
        "failures": f"{node['failures']:,}",
        "p95": duration(node["p95_ms"] / 1000) if node["p95_ms"] is not None else "–",
        "avg": duration(node["avg_ms"] / 1000) if node["avg_ms"] is not None else "–",
        "cost": money(node["cost_usd"]),
    }


class WorkflowAnalyticsState(PeriodState, rx.State):
    loading: bool = False
    loaded: bool = False
    error: str = ""
    not_found: bool = False
    current_workflow: str = ""
    workflow_name: str = ""
    period_label: str = ""
    has_data: bool = False
    has_errors: bool = False
    summary_cards: list[dict[str, str]] = []
    slowest: list[dict[str, str]] = []
    most_expensive: list[dict[str, str]] = []
    trend_figure: go.Figure = go.Figure()
    durations_figure: go.Figure = go.Figure()
    error_types_figure: go.Figure = go.Figure()
    error_nodes_figure: go.Figure = go.Figure()

    def _workflow_id(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(str(self.router.page.params.get("workflow_id", "")))
        except ValueError:
            return None

    @rx.event
    async def load(self) -> AsyncIterator[Any]:
        self._period_from_query()
        async for update in self._reload():
            yield update

    def _period_from_query(self) -> None:
        """Open on the period the dashboard showed (its link carries it); bad values are
        ignored and the page keeps its own."""
        params = self.router.url.query_parameters
        if params.get("preset", "") in PRESETS:
            self.preset = params["preset"]
        if params.get("tz"):
            try:
                zone(params["tz"][:64])
                self.tz = params["tz"][:64]
            except InvalidPeriod:
                pass
        self.since, self.until = params.get("since", "")[:10], params.get("until", "")[:10]

    async def _reload(self) -> AsyncIterator[Any]:
        self.loading, self.error = True, ""
        yield
        actor = await current_actor(self)
        workflow_id = self._workflow_id()
        self.current_workflow = str(workflow_id or "")
        try:
            if actor is None:
                raise Forbidden("your session has ended: log in again")
            if workflow_id is None:
                raise service.WorkflowNotFound()
            period = period_from(self.preset, self.tz, self.since, self.until)
            data = await asyncio.to_thread(
                service.workflow_analytics, database_url(), actor, workflow_id, period
            )
        except NotFound:
            self.not_found, self.loading, self.loaded = True, False, True
            return
        except AgentFlowError as exc:
            self.error, self.loading = exc.message, False
            return
        self.not_found = False
        self._show(data, describe(period))
        self.loading, self.loaded = False, True

    def _show(self, data: dict[str, Any], label: str) -> None:
        buckets = data["period"]["buckets"]
        self.workflow_name = data["workflow"]["name"]
        self.period_label = label
        self.has_data = data["summary"]["runs"] > 0
        self.has_errors = bool(data["errors_by_type"])
        self.summary_cards = [
            card for card in cards(data["summary"], None) if card["key"] != "active_workflows"
        ]
        self.slowest = [_node_row(n) for n in data["slowest"]]
        self.most_expensive = [_node_row(n) for n in data["most_expensive"]]
        self.trend_figure = charts.success_trend(data["success_trend"], buckets)
        self.durations_figure = charts.durations(data["durations"])
        self.error_types_figure = charts.breakdown(
            data["errors_by_type"], "error_type", "failures", "red"
        )
        self.error_nodes_figure = charts.breakdown(
            data["errors_by_node"], "node_id", "failures", "orange"
        )

    @rx.event
    async def export(self, dataset: str, fmt: str) -> Any:
        actor = await current_actor(self)
        workflow_id = self._workflow_id()
        try:
            if actor is None or workflow_id is None:
                raise Forbidden("your session has ended: log in again")
            period = period_from(self.preset, self.tz, self.since, self.until)
            filename, _, body = await asyncio.to_thread(
                service.export, database_url(), actor, period, dataset, fmt, workflow_id
            )
        except AgentFlowError as exc:
            self.error = exc.message
            return None
        return rx.download(data=body, filename=filename)
