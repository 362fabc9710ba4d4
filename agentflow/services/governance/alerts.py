"""Alert rules: failure rate, p95 duration or cost above a threshold over a window,
for one workflow or the whole organisation; their evaluation and history.

Thresholds are in the metric's unit: ``failure_rate`` in percent of finished runs,
``p95_duration_s`` in seconds, ``cost_usd`` in dollars. A rule fires when its value
goes above the threshold (and, for the run metrics, at least ``min_runs`` runs
finished in the window); it fires once, then again only after it resolved.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from agentflow.analytics import histogram
from agentflow.analytics.facts import ORG_BINS, RUN_BINS, RUNS, facts
from agentflow.analytics.periods import Period
from agentflow.db.analytics import AlertEvent, AlertRule
from agentflow.db.engine import session_scope
from agentflow.db.runs import Workflow
from agentflow.db.tenancy import get_in_org
from agentflow.errors import InvalidInput, NotFound
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import Action, Actor, parse_input, require

Metric = Literal["failure_rate", "p95_duration_s", "cost_usd"]
METRICS: dict[str, str] = {
    "failure_rate": "Failure rate (%)",
    "p95_duration_s": "p95 duration (s)",
    "cost_usd": "Cost (USD)",
}
MAX_RULES = 100


class AlertRuleNotFound(NotFound):
    what = "alert rule"


class AlertRuleInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    metric: Metric
    threshold: float = Field(ge=0, le=1e9)
    window_minutes: int = Field(default=60, ge=5, le=7 * 24 * 60)
    min_runs: int = Field(default=5, ge=1, le=100_000)
    workflow_id: uuid.UUID | None = None
    enabled: bool = True
    notify_in_app: bool = True
    notify_webhook: bool = False


@dataclass(frozen=True)
class RuleInfo:
    id: str
    name: str
    metric: str
    threshold: float
    window_minutes: int
    min_runs: int
    workflow_id: str
    scope: str
    enabled: bool
    notify_in_app: bool
    notify_webhook: bool
    state: str
    last_value: float | None
    last_evaluated_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _names(session: Session, org_id: uuid.UUID) -> dict[uuid.UUID, str]:
    rows = session.execute(
        select(col(Workflow.id), col(Workflow.name)).where(col(Workflow.org_id) == org_id)
    ).all()
    return {row[0]: row[1] for row in rows}


def _info(rule: AlertRule, names: dict[uuid.UUID, str]) -> RuleInfo:
    return RuleInfo(
        id=str(rule.id), name=rule.name, metric=rule.metric, threshold=rule.threshold,
        window_minutes=rule.window_minutes, min_runs=rule.min_runs,
        workflow_id=str(rule.workflow_id or ""),
        scope=names.get(rule.workflow_id, "(deleted)") if rule.workflow_id else "organisation",
        enabled=rule.enabled, notify_in_app=rule.notify_in_app,
        notify_webhook=rule.notify_webhook, state=rule.state, last_value=rule.last_value,
        last_evaluated_at=rule.last_evaluated_at,
    )  # fmt: skip


def list_rules(database_url: str, actor: Actor) -> list[RuleInfo]:
    require(actor, Action.ANALYTICS_READ)
    with session_scope(database_url) as session:
        rules = session.execute(
            select(AlertRule)
            .where(col(AlertRule.org_id) == actor.org_id)
            .order_by(col(AlertRule.created_at))
        ).scalars()
        names = _names(session, actor.org_id)
        return [_info(rule, names) for rule in rules]


def _check_workflow(session: Session, actor: Actor, workflow_id: uuid.UUID | None) -> None:
    if workflow_id is None:
        return
    workflow = get_in_org(session, Workflow, workflow_id, org_id=actor.org_id)
    if workflow is None:
        raise InvalidInput("workflow_id: no such workflow in this organisation")


def create_rule(database_url: str, actor: Actor, data: AlertRuleInput | dict[str, Any]) -> str:
    require(actor, Action.ALERT_MANAGE)
    body = parse_input(AlertRuleInput, data)
    with session_scope(database_url) as session:
        _check_workflow(session, actor, body.workflow_id)
        count = len(
            session.execute(
                select(col(AlertRule.id)).where(col(AlertRule.org_id) == actor.org_id)
            ).all()
        )
        if count >= MAX_RULES:
            raise InvalidInput(f"an organisation has at most {MAX_RULES} alert rules")
        rule = AlertRule(org_id=actor.org_id, **body.model_dump())
        session.add(rule)
        session.flush()
        audit.record(
            session, actor, "alert_rule.create", target_type="alert_rule", target_id=rule.id,
            details={"name": rule.name, "metric": rule.metric, "threshold": rule.threshold},
        )  # fmt: skip
        return str(rule.id)


def _owned(session: Session, actor: Actor, rule_id: uuid.UUID) -> AlertRule:
    rule = get_in_org(session, AlertRule, rule_id, org_id=actor.org_id)
    if rule is None:
        raise AlertRuleNotFound()
    return rule


def update_rule(
    database_url: str, actor: Actor, rule_id: uuid.UUID, data: AlertRuleInput | dict[str, Any]
) -> None:
    require(actor, Action.ALERT_MANAGE)
    body = parse_input(AlertRuleInput, data)
    with session_scope(database_url) as session:
        rule = _owned(session, actor, rule_id)
        _check_workflow(session, actor, body.workflow_id)
        for key, value in body.model_dump().items():
            setattr(rule, key, value)
        rule.state, rule.updated_at = "ok", datetime.now(UTC)
        audit.record(
            session, actor, "alert_rule.update", target_type="alert_rule", target_id=rule_id,
            details={"name": rule.name, "enabled": rule.enabled},
        )  # fmt: skip


def delete_rule(database_url: str, actor: Actor, rule_id: uuid.UUID) -> None:
    require(actor, Action.ALERT_MANAGE)
    with session_scope(database_url) as session:
        rule = _owned(session, actor, rule_id)
        session.delete(rule)
        audit.record(
            session, actor, "alert_rule.delete", target_type="alert_rule", target_id=rule_id,
            details={"name": rule.name},
        )  # fmt: skip


def history(database_url: str, actor: Actor, limit: int = 50) -> list[dict[str, Any]]:
    """The newest alert events of the organisation."""
    require(actor, Action.ANALYTICS_READ)
    with session_scope(database_url) as session:
        events = session.execute(
            select(AlertEvent)
            .where(col(AlertEvent.org_id) == actor.org_id)
            .order_by(col(AlertEvent.created_at).desc(), col(AlertEvent.id).desc())
            .limit(max(1, min(limit, 500)))
        ).scalars()
        return [
            {
                "id": event.id,
                "kind": event.kind,
                "title": event.title,
                "message": event.message,
                "value": event.value,
                "threshold": event.threshold,
                "delivery": event.delivery or {},
                "created_at": event.created_at,
                "rule_id": str(event.rule_id or ""),
                "workflow_id": str(event.workflow_id or ""),
            }
            for event in events
        ]


def metric_value(session: Session, rule: AlertRule, now: datetime) -> tuple[float | None, int]:
    """The rule's metric over its window ending ``now`` and the runs it saw."""
    window = Period(now - timedelta(minutes=rule.window_minutes), now, "UTC")
    runs = facts(
        session, RUNS, rule.org_id, window, by=("status",), measures=("runs", "cost_usd"),
        workflow_id=rule.workflow_id,
    )  # fmt: skip
    total = sum(int(row["runs"]) for row in runs)
    if rule.metric == "cost_usd":
        return round(sum(float(row["cost_usd"]) for row in runs), 6), total
    if total < rule.min_runs:
        return None, total
    if rule.metric == "failure_rate":
        failed = sum(int(r["runs"]) for r in runs if r["status"] in ("failed", "timed_out"))
        return round(100.0 * failed / total, 4), total
    bins = facts(
        session, RUN_BINS if rule.workflow_id else ORG_BINS, rule.org_id, window, by=("bin",),
        measures=("count",), workflow_id=rule.workflow_id,
    )  # fmt: skip
    p95 = histogram.percentile_ms(histogram.merge((b["bin"], b["count"]) for b in bins), 0.95)
    return (round(p95 / 1000, 4) if p95 is not None else None), total
