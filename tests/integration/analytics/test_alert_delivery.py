"""Alerts and budget notices reach people: in-app notices and the alert.triggered
outgoing event, with how each went in the alert history."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlmodel import col

from agentflow.db.automation import EventDelivery
from agentflow.db.engine import session_scope
from agentflow.services.delivery import notifications, outgoing
from agentflow.services.governance import alerts, budgets
from agentflow.services.governance.alert_evaluation import evaluate_budgets, evaluate_rules
from tests.integration.analytics.conftest import actor, add_run, add_workflow


def deliveries(database_url: str, org: uuid.UUID) -> list[EventDelivery]:
    with session_scope(database_url) as session:
        rows = session.execute(
            select(EventDelivery).where(col(EventDelivery.org_id) == org)
        ).scalars()
        return [row for row in rows if session.expunge(row) is None]


def test_a_firing_rule_notifies_in_app_and_queues_the_webhook(
    clean_db: str, org: uuid.UUID
) -> None:
    owner = actor(org)
    outgoing.create_subscription(
        clean_db,
        owner,
        {"url": "https://hooks.example.com/agentflow", "events": ["alert.triggered"]},
    )
    wf = add_workflow(clean_db, org, "Billing")
    rule_id = alerts.create_rule(
        clean_db, owner,
        {"name": "Billing failing", "metric": "failure_rate", "threshold": 10, "min_runs": 1,
         "workflow_id": str(wf), "notify_in_app": True, "notify_webhook": True},
    )  # fmt: skip
    add_run(clean_db, org, wf, status="failed")
    assert evaluate_rules(clean_db).triggered == ["Billing failing"]
    [notice] = notifications.list_notifications(clean_db, owner)
    assert notice.kind == "alert.triggered"
    assert notice.title == "Alert: Billing failing"
    assert notice.link == f"/analytics/workflows/{wf}"
    assert "Failure rate" in notice.body
    [delivery] = deliveries(clean_db, org)
    assert delivery.event == "alert.triggered"
    data = delivery.payload["data"]
    assert data["rule_id"] == rule_id and data["value"] == 100.0 and data["threshold"] == 10
    [event] = alerts.history(clean_db, owner)
    assert event["delivery"] == {"in_app": "sent", "webhook": "queued"}
    # Another organisation sees none of it.
    stranger = actor(uuid.uuid4())
    assert alerts.history(clean_db, stranger) == []


def test_budget_thresholds_notify_once(clean_db: str, org: uuid.UUID) -> None:
    owner = actor(org)
    budgets.set_budget(clean_db, owner, {"monthly_limit_usd": 1.0, "soft_threshold_pct": 50})
    add_run(clean_db, org, None, cost=0.6)
    assert evaluate_budgets(clean_db) == ["The organisation budget passed 50%"]
    assert evaluate_budgets(clean_db) == []
    titles = [n.title for n in notifications.list_notifications(clean_db, owner)]
    assert titles == ["The organisation budget passed 50%"]
