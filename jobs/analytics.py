"""Analytics upkeep, every minute on one worker of the pool (arq cron jobs are unique):
roll up the finished hours and days, evaluate alert rules and budgets.

Each part runs even when another fails (a failure is logged and retried next minute):
alerts read raw rows past the watermark, so they stay right while rollups lag.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from agentflow.analytics.rollup import roll_up
from agentflow.services.governance.alert_evaluation import evaluate_budgets, evaluate_rules

log = logging.getLogger("agentflow.worker")
T = TypeVar("T")


async def _step(name: str, work: Callable[[str], T], database_url: str) -> T | None:
    try:
        return await asyncio.to_thread(work, database_url)
    except Exception:
        log.exception("analytics %s failed; retrying next minute", name)
        return None


async def analytics_tick(ctx: dict[str, Any]) -> dict[str, Any]:
    database_url: str = ctx["database_url"]
    rolled = await _step("roll-up", roll_up, database_url)
    rules = await _step("alert rules", evaluate_rules, database_url)
    budgets = await _step("budgets", evaluate_budgets, database_url) or []
    triggered = rules.triggered if rules else []
    if triggered or budgets:
        log.info("alerts sent: %s", [*triggered, *budgets])
    return {
        "hours_rolled": rolled.hours_rolled if rolled else None,
        "rules_evaluated": rules.evaluated if rules else None,
        "triggered": len(triggered),
        "budget_alerts": len(budgets),
    }
