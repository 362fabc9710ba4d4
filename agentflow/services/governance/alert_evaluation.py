"""The worker's side of alerts and budgets: evaluate every rule and budget, deliver
what crossed its threshold (see alert_delivery). Called by jobs/analytics.py with no
actor: it acts for the system, across organisations, each alert in its own org."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlmodel import col

from agentflow.db.analytics import AlertRule, Budget
from agentflow.db.engine import session_scope
from agentflow.services.governance.alert_delivery import Alert, deliver
from agentflow.services.governance.alerts import METRICS, metric_value
from agentflow.services.governance.budgets import month_key, spent

log = logging.getLogger("agentflow.alerts")


@dataclass
class EvaluationReport:
    evaluated: int = 0
    triggered: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)


def _describe(rule: AlertRule, value: float) -> str:
    unit = {"failure_rate": "%", "p95_duration_s": " s", "cost_usd": " USD"}[rule.metric]
    scope = "this workflow" if rule.workflow_id else "the organisation"
    return (
        f"{METRICS[rule.metric]} of {scope} was {value:g}{unit} over the last "
        f"{rule.window_minutes} minutes, above the threshold of {rule.threshold:g}{unit}."
    )


def evaluate_rules(database_url: str, now: datetime | None = None) -> EvaluationReport:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    report = EvaluationReport()
    to_deliver: list[tuple[Alert, bool, bool]] = []
    with session_scope(database_url) as session:
        rules = session.execute(
            select(AlertRule).where(col(AlertRule.enabled).is_(True)).with_for_update(
                skip_locked=True  # another worker evaluating at once takes the others
            )
        ).scalars().all()  # fmt: skip
        for rule in rules:
            value, _runs = metric_value(session, rule, now)
            report.evaluated += 1
            rule.last_value, rule.last_evaluated_at = value, now
            firing = value is not None and value > rule.threshold
            if firing and rule.state != "firing":
                rule.state = "firing"
                report.triggered.append(rule.name)
                assert value is not None
                alert = Alert(
                    org_id=rule.org_id, kind="triggered", title=f"Alert: {rule.name}",
                    message=_describe(rule, value), rule_id=rule.id,
                    workflow_id=rule.workflow_id, value=value, threshold=rule.threshold,
                    dedupe_key=f"alert:{rule.id}:{now:%Y%m%dT%H%M}",
                    link=f"/analytics/workflows/{rule.workflow_id}" if rule.workflow_id
                    else "/analytics",
                    payload={"metric": rule.metric, "window_minutes": rule.window_minutes},
                )  # fmt: skip
                to_deliver.append((alert, rule.notify_in_app, rule.notify_webhook))
            elif not firing and rule.state == "firing":
                rule.state = "ok"
                report.resolved.append(rule.name)
                resolved = Alert(
                    org_id=rule.org_id, kind="resolved", title=f"Resolved: {rule.name}",
                    message="Back under the threshold.", rule_id=rule.id,
                    workflow_id=rule.workflow_id, value=value, threshold=rule.threshold,
                )  # fmt: skip
                to_deliver.append((resolved, False, False))
    # Delivered after the state is committed, so a failing channel never re-fires it.
    for alert, in_app, webhook in to_deliver:
        deliver(database_url, alert, in_app=in_app, webhook=webhook)
    return report


def evaluate_budgets(database_url: str, now: datetime | None = None) -> list[str]:
    """Notify once per month when a budget passes its soft threshold, and when it is
    used up. Returns the titles of the alerts sent."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    month = month_key(now)
    sent: list[str] = []
    pending: list[Alert] = []
    with session_scope(database_url) as session:
        budgets = session.execute(select(Budget).with_for_update(skip_locked=True)).scalars().all()
        for budget in budgets:
            limit = round(float(budget.monthly_limit_usd), 6)
            used = spent(session, budget.org_id, budget.workflow_id, now)
            scope = "workflow" if budget.workflow_id else "organisation"
            link = (
                f"/analytics/workflows/{budget.workflow_id}"
                if budget.workflow_id
                else ("/analytics")
            )
            common = {"org_id": budget.org_id, "budget_id": budget.id,
                      "workflow_id": budget.workflow_id, "value": used, "threshold": limit,
                      "link": link}  # fmt: skip
            if used >= limit and budget.hard_notified_month != month:
                budget.hard_notified_month = budget.soft_notified_month = month
                stop = (
                    "new runs are refused" if budget.hard_stop else "runs continue (no hard stop)"
                )
                pending.append(Alert(
                    kind="budget_hard", title=f"The {scope} budget is used up",
                    message=f"${used:,.4f} of ${limit:,.2f} spent this month: {stop}.",
                    dedupe_key=f"budget:{budget.id}:{month}:hard", **common,
                ))  # fmt: skip
            elif used * 100 >= limit * budget.soft_threshold_pct and (
                budget.soft_notified_month != month
            ):
                budget.soft_notified_month = month
                pending.append(Alert(
                    kind="budget_soft",
                    title=f"The {scope} budget passed {budget.soft_threshold_pct}%",
                    message=f"${used:,.4f} of ${limit:,.2f} spent this month.",
                    dedupe_key=f"budget:{budget.id}:{month}:soft", **common,
                ))  # fmt: skip
    for alert in pending:
        deliver(database_url, alert, in_app=True, webhook=True)
        sent.append(alert.title)
    return sent
