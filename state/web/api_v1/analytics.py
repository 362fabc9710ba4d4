"""/api/v1 analytics: the dashboard's data, one workflow's, CSV/JSON exports, budgets
and alert rules with their history."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from fastapi.encoders import jsonable_encoder

from agentflow.analytics.periods import PRESETS, Period
from agentflow.services.governance import alerts, budgets
from agentflow.services.governance import analytics as service
from state.web.api_v1.deps import CurrentActor, RateHeadersRoute, services

router = APIRouter(prefix="/api/v1", tags=["analytics"], route_class=RateHeadersRoute)

Preset = Annotated[str, Query(description=" | ".join(p for p in PRESETS if p != "custom"))]
Zone = Annotated[str, Query(max_length=64, description="IANA time zone, e.g. Europe/Paris")]
Day = Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD (with until)")]


def _period(preset: str, tz: str, since: str | None, until: str | None) -> Period:
    return service.period_of(preset, tz, since, until)


@router.get("/analytics/overview", summary="Summary, series and rankings for a period")
async def overview(
    actor: CurrentActor, preset: Preset = "7d", tz: Zone = "UTC", since: Day = None,
    until: Day = None,
) -> dict[str, Any]:  # fmt: skip
    period = _period(preset, tz, since, until)
    data = await asyncio.to_thread(service.overview, services().database_url, actor, period)
    return jsonable_encoder(data)


@router.get("/analytics/workflows/{workflow_id}", summary="One workflow's analytics")
async def workflow_analytics(
    actor: CurrentActor, workflow_id: uuid.UUID, preset: Preset = "7d", tz: Zone = "UTC",
    since: Day = None, until: Day = None,
) -> dict[str, Any]:  # fmt: skip
    period = _period(preset, tz, since, until)
    data = await asyncio.to_thread(
        service.workflow_analytics, services().database_url, actor, workflow_id, period
    )
    return jsonable_encoder(data)


@router.get("/analytics/export", summary="A chart's data or the runs table as CSV or JSON")
async def export(
    actor: CurrentActor,
    dataset: Annotated[str, Query(max_length=40)] = "runs",
    format: Annotated[str, Query(max_length=4)] = "csv",
    workflow_id: uuid.UUID | None = None,
    preset: Preset = "7d",
    tz: Zone = "UTC",
    since: Day = None,
    until: Day = None,
) -> Response:
    period = _period(preset, tz, since, until)
    filename, media_type, body = await asyncio.to_thread(
        service.export, services().database_url, actor, period, dataset, format, workflow_id
    )
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/budgets", summary="Budgets with their spend this month")
async def list_budgets(actor: CurrentActor) -> dict[str, Any]:
    rows = await asyncio.to_thread(budgets.list_budgets, services().database_url, actor)
    return {"items": [row.as_dict() for row in rows]}


@router.put("/budgets", summary="Set the organisation's or a workflow's monthly budget")
async def set_budget(actor: CurrentActor, body: budgets.BudgetInput) -> dict[str, Any]:
    budget_id = await asyncio.to_thread(budgets.set_budget, services().database_url, actor, body)
    return {"id": budget_id}


@router.delete("/budgets/{budget_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_budget(actor: CurrentActor, budget_id: uuid.UUID) -> Response:
    await asyncio.to_thread(budgets.delete_budget, services().database_url, actor, budget_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/alerts/rules", summary="Alert rules")
async def list_rules(actor: CurrentActor) -> dict[str, Any]:
    rules = await asyncio.to_thread(alerts.list_rules, services().database_url, actor)
    return {"items": jsonable_encoder([rule.as_dict() for rule in rules])}


@router.post("/alerts/rules", status_code=status.HTTP_201_CREATED, summary="Create a rule")
async def create_rule(actor: CurrentActor, body: alerts.AlertRuleInput) -> dict[str, Any]:
    rule_id = await asyncio.to_thread(alerts.create_rule, services().database_url, actor, body)
    return {"id": rule_id}


@router.put("/alerts/rules/{rule_id}", summary="Replace a rule")
async def update_rule(
    actor: CurrentActor, rule_id: uuid.UUID, body: alerts.AlertRuleInput
) -> dict[str, Any]:
    await asyncio.to_thread(alerts.update_rule, services().database_url, actor, rule_id, body)
    return {"id": str(rule_id)}


@router.delete("/alerts/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_rule(actor: CurrentActor, rule_id: uuid.UUID) -> Response:
    await asyncio.to_thread(alerts.delete_rule, services().database_url, actor, rule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/alerts/history", summary="Alerts that fired or resolved, budget thresholds")
async def alert_history(
    actor: CurrentActor, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> dict[str, Any]:
    events = await asyncio.to_thread(alerts.history, services().database_url, actor, limit)
    return {"items": jsonable_encoder(events)}
