"""Alert rules: evaluated over their window, fired once, resolved, kept in the history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from agentflow.errors import Forbidden, InvalidInput
from agentflow.services.governance import alerts
from agentflow.services.governance.alert_evaluation import evaluate_rules
from agentflow.services.tenancy.permissions import Role
from tests.integration.analytics.conftest import actor, add_run, add_workflow, make_org


def test_failure_rate_fires_once_then_resolves(clean_db: str, org: uuid.UUID) -> None:
    owner = actor(org)
    wf = add_workflow(clean_db, org, "Triage")
    rule_id = alerts.create_rule(
        clean_db, owner,
        {"name": "Triage failing", "metric": "failure_rate", "threshold": 20,
         "window_minutes": 60, "min_runs": 3, "workflow_id": str(wf)},
    )  # fmt: skip
    add_run(clean_db, org, wf, status="failed")
    add_run(clean_db, org, wf, status="failed")
    assert evaluate_rules(clean_db).triggered == []  # 2 runs: below min_runs
    add_run(clean_db, org, wf)
    add_run(clean_db, org, wf)
    add_run(clean_db, org, None, status="failed")  # another scope: not counted
    report = evaluate_rules(clean_db)
    assert report.triggered == ["Triage failing"]
    assert evaluate_rules(clean_db).triggered == []  # still firing: no second alert
    [rule] = alerts.list_rules(clean_db, owner)
    assert (rule.state, rule.last_value, rule.scope) == ("firing", 50.0, "Triage")
    for _ in range(8):
        add_run(clean_db, org, wf)
    assert evaluate_rules(clean_db).resolved == ["Triage failing"]
    events = alerts.history(clean_db, owner)
    assert [e["kind"] for e in events] == ["resolved", "triggered"]
    triggered = events[1]
    assert triggered["rule_id"] == rule_id
    assert triggered["value"] == 50.0 and triggered["threshold"] == 20
    assert "Failure rate" in triggered["message"] and "60 minutes" in triggered["message"]
    assert set(triggered["delivery"]) == {"in_app"}  # the rule asked for in-app only


def test_p95_and_cost_rules_over_their_window(clean_db: str, org: uuid.UUID) -> None:
    owner = actor(org)
    alerts.create_rule(
        clean_db, owner,
        {"name": "Slow", "metric": "p95_duration_s", "threshold": 30, "window_minutes": 30,
         "min_runs": 1, "notify_webhook": True},
    )  # fmt: skip
    alerts.create_rule(
        clean_db, owner,
        {"name": "Spendy", "metric": "cost_usd", "threshold": 1.0, "window_minutes": 60},
    )  # fmt: skip
    old = datetime.now(UTC) - timedelta(hours=2)
    add_run(clean_db, org, None, duration_s=120, cost=5.0, finished_at=old)  # outside windows
    add_run(clean_db, org, None, duration_s=10, cost=0.6)
    assert evaluate_rules(clean_db).triggered == []
    add_run(clean_db, org, None, duration_s=100, cost=0.6)
    assert sorted(evaluate_rules(clean_db).triggered) == ["Slow", "Spendy"]
    slow = next(e for e in alerts.history(clean_db, owner) if e["title"] == "Alert: Slow")
    assert slow["value"] == pytest.approx(100, rel=0.03)
    assert set(slow["delivery"]) == {"in_app", "webhook"}


def test_rules_are_checked_and_scoped_to_their_organisation(clean_db: str, org: uuid.UUID) -> None:
    owner = actor(org)
    with pytest.raises(Forbidden):
        alerts.create_rule(
            clean_db, actor(org, Role.VIEWER),
            {"name": "x", "metric": "cost_usd", "threshold": 1},
        )  # fmt: skip
    with pytest.raises(InvalidInput):
        alerts.create_rule(clean_db, owner, {"name": "x", "metric": "latency", "threshold": 1})
    with pytest.raises(InvalidInput):
        alerts.create_rule(
            clean_db, owner, {"name": "x", "metric": "cost_usd", "threshold": 1, "state": "ok"}
        )
    rule_id = uuid.UUID(
        alerts.create_rule(clean_db, owner, {"name": "x", "metric": "cost_usd", "threshold": 1})
    )
    other = actor(make_org(clean_db, "Other"))
    with pytest.raises(alerts.AlertRuleNotFound):
        alerts.delete_rule(clean_db, other, rule_id)
    with pytest.raises(alerts.AlertRuleNotFound):
        alerts.update_rule(
            clean_db, other, rule_id, {"name": "y", "metric": "cost_usd", "threshold": 2}
        )
    assert alerts.list_rules(clean_db, other) == []
    alerts.update_rule(
        clean_db, owner, rule_id,
        {"name": "y", "metric": "cost_usd", "threshold": 2, "enabled": False},
    )  # fmt: skip
    assert evaluate_rules(clean_db).evaluated == 0  # disabled rules are not evaluated
    alerts.delete_rule(clean_db, owner, rule_id)
    assert alerts.list_rules(clean_db, owner) == []


async def test_the_worker_tick_rolls_up_and_evaluates(clean_db: str, org: uuid.UUID) -> None:
    from jobs.analytics import analytics_tick

    alerts.create_rule(
        clean_db, actor(org), {"name": "Any cost", "metric": "cost_usd", "threshold": 0.1}
    )
    add_run(clean_db, org, None, cost=0.5, finished_at=datetime.now(UTC) - timedelta(hours=2))
    add_run(clean_db, org, None, cost=0.5)
    result = await analytics_tick({"database_url": clean_db})
    assert result["hours_rolled"] >= 1
    assert (result["rules_evaluated"], result["triggered"]) == (1, 1)
