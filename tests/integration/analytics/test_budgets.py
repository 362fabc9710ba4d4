"""Budgets: spend to date, the hard stop at exactly the limit, soft-threshold alerts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from agentflow.analytics.rollup import roll_up
from agentflow.db.engine import get_engine
from agentflow.errors import Forbidden, InvalidInput
from agentflow.queue import connect
from agentflow.services.governance import budgets
from agentflow.services.governance.alert_evaluation import evaluate_budgets
from agentflow.services.governance.alerts import history
from agentflow.services.runs import dispatch
from agentflow.services.runs.lifecycle import execute_run
from agentflow.services.tenancy.permissions import Role
from tests.actors import operator
from tests.integration.analytics.conftest import actor, add_run, add_workflow, make_org

DOC: dict[str, Any] = {
    "format": "agentflow/v1",
    "name": "Hello",
    "nodes": [
        {"id": "start", "type": "trigger", "config": {"kind": "manual"}},
        {"id": "say", "type": "template", "config": {"template": "hi"}},
    ],
    "edges": [{"source": "start", "target": "say"}],
}


def run_count(database_url: str, org: uuid.UUID) -> int:
    with get_engine(database_url).connect() as connection:
        return int(
            connection.execute(
                text("SELECT count(*) FROM runs WHERE org_id = :org"), {"org": org}
            ).scalar_one()
        )


async def start(database_url: str, redis_url: str, org: uuid.UUID, wf: uuid.UUID | None) -> Any:
    queue = await connect(redis_url)
    try:
        return await dispatch.start_run(
            database_url, queue, DOC, None, actor=operator(org), workflow_id=wf, trigger="api"
        )
    finally:
        await queue.aclose()


async def test_new_runs_stop_exactly_at_the_limit_and_running_ones_finish(
    clean_db: str, clean_redis: str, org: uuid.UUID
) -> None:
    owner = actor(org)
    wf = add_workflow(clean_db, org)
    budgets.set_budget(clean_db, owner, {"monthly_limit_usd": 1.0, "hard_stop": True})
    add_run(clean_db, org, wf, cost=0.999999)
    queued_before = await start(clean_db, clean_redis, org, wf)  # $0.000001 left: allowed
    add_run(clean_db, org, wf, cost=0.000001)  # now exactly $1.000000 spent
    before = run_count(clean_db, org)
    with pytest.raises(budgets.BudgetExceeded) as refused:
        await start(clean_db, clean_redis, org, wf)
    assert "monthly budget of $1.00 is used up" in refused.value.message
    assert refused.value.spent_usd == pytest.approx(1.0)
    assert run_count(clean_db, org) == before  # nothing was stored
    with pytest.raises(budgets.BudgetExceeded):  # ad-hoc runs count against the org too
        await start(clean_db, clean_redis, org, None)
    outcome = await execute_run(clean_db, queued_before, org_id=org)  # already started: runs
    assert outcome.status == "succeeded"
    # Raising the limit lets runs start again.
    budgets.set_budget(clean_db, owner, {"monthly_limit_usd": 1.5})
    assert await start(clean_db, clean_redis, org, wf)


async def test_a_workflow_budget_stops_only_that_workflow(
    clean_db: str, clean_redis: str, org: uuid.UUID
) -> None:
    owner = actor(org)
    capped, other = add_workflow(clean_db, org, "Capped"), add_workflow(clean_db, org, "Other")
    budgets.set_budget(clean_db, owner, {"workflow_id": str(capped), "monthly_limit_usd": 0.5})
    add_run(clean_db, org, capped, cost=0.5)
    add_run(clean_db, org, other, cost=3.0)
    with pytest.raises(budgets.BudgetExceeded) as refused:
        await start(clean_db, clean_redis, org, capped)
    assert "workflow's monthly budget" in refused.value.message
    assert await start(clean_db, clean_redis, org, other)
    # Another organisation's spending is not this one's.
    stranger = make_org(clean_db, "Stranger")
    budgets.set_budget(clean_db, actor(stranger), {"monthly_limit_usd": 0.1})
    assert await start(clean_db, clean_redis, org, other)


def test_spend_to_date_adds_rollups_and_the_raw_tail(clean_db: str, org: uuid.UUID) -> None:
    owner = actor(org)
    now = datetime.now(UTC)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    earlier = max(month_start + timedelta(minutes=1), now - timedelta(hours=3))
    add_run(clean_db, org, None, cost=0.25, finished_at=earlier)
    add_run(clean_db, org, None, cost=0.5, finished_at=month_start - timedelta(minutes=1))
    roll_up(clean_db, now=now)
    add_run(clean_db, org, None, cost=0.125)
    budgets.set_budget(clean_db, owner, {"monthly_limit_usd": 0.5, "soft_threshold_pct": 50})
    [status] = budgets.list_budgets(clean_db, owner)
    assert status.spent_usd == pytest.approx(0.375)  # last month's $0.50 is not counted
    assert status.state == "soft"
    assert status.scope == "organisation"


def test_soft_and_hard_thresholds_notify_once_a_month(clean_db: str, org: uuid.UUID) -> None:
    owner = actor(org)
    budgets.set_budget(clean_db, owner, {"monthly_limit_usd": 1.0, "soft_threshold_pct": 80})
    add_run(clean_db, org, None, cost=0.5)
    assert evaluate_budgets(clean_db) == []
    add_run(clean_db, org, None, cost=0.3)
    assert evaluate_budgets(clean_db) == ["The organisation budget passed 80%"]
    assert evaluate_budgets(clean_db) == []  # once per month
    add_run(clean_db, org, None, cost=0.2)
    assert evaluate_budgets(clean_db) == ["The organisation budget is used up"]
    assert evaluate_budgets(clean_db) == []
    kinds = [event["kind"] for event in history(clean_db, owner)]
    assert kinds == ["budget_hard", "budget_soft"]
    assert history(clean_db, actor(make_org(clean_db, "Other"))) == []


def test_budget_input_is_checked_and_needs_the_right_role(clean_db: str, org: uuid.UUID) -> None:
    with pytest.raises(Forbidden):
        budgets.set_budget(clean_db, actor(org, Role.EDITOR), {"monthly_limit_usd": 5})
    with pytest.raises(InvalidInput):
        budgets.set_budget(clean_db, actor(org), {"monthly_limit_usd": 5, "org_id": str(org)})
    with pytest.raises(InvalidInput):
        budgets.set_budget(clean_db, actor(org), {"monthly_limit_usd": 0})
    foreign = add_workflow(clean_db, make_org(clean_db, "Theirs"))
    with pytest.raises(InvalidInput):  # another org's workflow is unknown here
        budgets.set_budget(
            clean_db, actor(org), {"workflow_id": str(foreign), "monthly_limit_usd": 1}
        )
    budget_id = budgets.set_budget(clean_db, actor(org), {"monthly_limit_usd": 5})
    with pytest.raises(budgets.BudgetNotFound):
        budgets.delete_budget(clean_db, actor(make_org(clean_db, "Else")), uuid.UUID(budget_id))
    budgets.delete_budget(clean_db, actor(org), uuid.UUID(budget_id))
    assert budgets.list_budgets(clean_db, actor(org)) == []
