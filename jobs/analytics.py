"""Analytics upkeep, every minute on one worker of the pool (arq cron jobs are unique):
roll up the finished hours and days, evaluate alert rules and budgets."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from agentflow.analytics.rollup import roll_up
from agentflow.services.alert_evaluation import evaluate_budgets, evaluate_rules

log = logging.getLogger("agentflow.worker")


async def analytics_tick(ctx: dict[str, Any]) -> dict[str, Any]:
    database_url: str = ctx["database_url"]
    rolled = await asyncio.to_thread(roll_up, database_url)
    rules = await asyncio.to_thread(evaluate_rules, database_url)
    budgets = await asyncio.to_thread(evaluate_budgets, database_url)
    if rules.triggered or budgets:
        log.info("alerts sent: %s", [*rules.triggered, *budgets])
    return {
        "hours_rolled": rolled.hours_rolled,
        "rules_evaluated": rules.evaluated,
        "triggered": len(rules.triggered),
        "budget_alerts": len(budgets),
    }
