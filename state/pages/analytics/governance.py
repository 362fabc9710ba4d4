"""Budgets and alert rules on the Analytics page: lists, forms, deletion, history."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import reflex as rx

from agentflow.errors import AgentFlowError, Forbidden, InvalidInput, NotFound
from agentflow.services.governance import alerts, budgets
from agentflow.services.tenancy.permissions import Action, Actor
from agentflow.services.workflows.management import list_workflows
from components.formatting import money, timestamp
from state.common import database_url
from state.session import current_actor

ORG = "org"
FORM_FIELDS = frozenset({
    "budget_scope", "budget_limit", "budget_soft", "rule_name", "rule_metric", "rule_threshold",
    "rule_window", "rule_min_runs", "rule_scope",
})  # fmt: skip


def _budget_row(status: budgets.BudgetStatus) -> dict[str, str]:
    return {
        "id": status.id,
        "scope": status.scope,
        "limit": money(status.monthly_limit_usd),
        "spent": money(status.spent_usd),
        "used": str(min(100, round(status.used_ratio * 100))),
        "used_text": f"{status.used_ratio * 100:.0f}%",
        "state": status.state,
        "soft": f"{status.soft_threshold_pct}%",
        "stop": "refuses new runs" if status.hard_stop else "notifies only",
    }


def _rule_row(rule: alerts.RuleInfo) -> dict[str, str]:
    value = "–" if rule.last_value is None else f"{rule.last_value:g}"
    return {
        "id": rule.id,
        "name": rule.name,
        "metric": alerts.METRICS[rule.metric],
        "condition": f"> {rule.threshold:g} over {rule.window_minutes} min",
        "scope": rule.scope,
        "state": rule.state if rule.enabled else "disabled",
        "last": value,
        "channels": ", ".join(
            c for c, on in (("in-app", rule.notify_in_app), ("webhook", rule.notify_webhook)) if on
        )
        or "history only",
    }


def _event_row(event: dict[str, Any]) -> dict[str, str]:
    delivery = event["delivery"] or {}
    return {
        "when": timestamp(event["created_at"]),
        "kind": event["kind"],
        "title": event["title"],
        "message": event["message"],
        "delivery": ", ".join(f"{k}: {v}" for k, v in delivery.items()) or "history only",
    }


class GovernanceState(rx.State):
    budgets: list[dict[str, str]] = []
    rules: list[dict[str, str]] = []
    events: list[dict[str, str]] = []
    workflow_options: list[dict[str, str]] = []
    can_budget: bool = False
    can_alert: bool = False
    budget_scope: str = ORG
    budget_limit: str = ""
    budget_soft: str = "80"
    budget_hard: bool = True
    budget_error: str = ""
    rule_open: bool = False
    rule_name: str = ""
    rule_metric: str = "failure_rate"
    rule_threshold: str = ""
    rule_window: str = "60"
    rule_min_runs: str = "5"
    rule_scope: str = ORG
    rule_in_app: bool = True
    rule_webhook: bool = False
    rule_error: str = ""
    confirm_open: bool = False
    confirm_kind: str = ""
    confirm_id: str = ""
    confirm_label: str = ""

    async def _actor(self) -> Actor | None:
        return await current_actor(self)

    @rx.event
    async def load(self) -> None:
        actor = await self._actor()
        if actor is None:
            return
        self.can_budget = actor.allowed(Action.BUDGET_MANAGE)
        self.can_alert = actor.allowed(Action.ALERT_MANAGE)
        workflows = await asyncio.to_thread(list_workflows, database_url(), org_id=actor.org_id)
        self.workflow_options = [{"id": w.id, "name": w.name} for w in workflows]
        await self._reread(actor)

    async def _reread(self, actor: Actor) -> None:
        db = database_url()
        statuses = await asyncio.to_thread(budgets.list_budgets, db, actor)
        rules = await asyncio.to_thread(alerts.list_rules, db, actor)
        events = await asyncio.to_thread(alerts.history, db, actor, 50)
        self.budgets = [_budget_row(s) for s in statuses]
        self.rules = [_rule_row(r) for r in rules]
        self.events = [_event_row(e) for e in events]

    @rx.event
    def set_field(self, name: str, value: str) -> None:
        if name in FORM_FIELDS:
            setattr(self, name, value)

    @rx.event
    def set_budget_hard(self, value: bool) -> None:
        self.budget_hard = bool(value)

    @rx.event
    def set_rule_channel(self, channel: str, value: bool) -> None:
        if channel == "in_app":
            self.rule_in_app = bool(value)
        elif channel == "webhook":
            self.rule_webhook = bool(value)

    @rx.event
    async def save_budget(self) -> None:
        actor = await self._actor()
        try:
            if actor is None:
                raise Forbidden("your session has ended: log in again")
            data = {
                "workflow_id": None if self.budget_scope == ORG else self.budget_scope,
                "monthly_limit_usd": _number(self.budget_limit, "monthly limit"),
                "soft_threshold_pct": int(_number(self.budget_soft, "soft threshold")),
                "hard_stop": self.budget_hard,
            }
            await asyncio.to_thread(budgets.set_budget, database_url(), actor, data)
        except AgentFlowError as exc:
            self.budget_error = exc.message
            return
        self.budget_error, self.budget_limit = "", ""
        await self._reread(actor)

    @rx.event
    def open_rule(self) -> None:
        self.rule_open, self.rule_error = True, ""

    @rx.event
    def close_rule(self) -> None:
        self.rule_open = False

    @rx.event
    async def save_rule(self) -> None:
        actor = await self._actor()
        try:
            if actor is None:
                raise Forbidden("your session has ended: log in again")
            data = {
                "name": self.rule_name.strip(),
                "metric": self.rule_metric,
                "threshold": _number(self.rule_threshold, "threshold"),
                "window_minutes": int(_number(self.rule_window, "window")),
                "min_runs": int(_number(self.rule_min_runs, "minimum runs")),
                "workflow_id": None if self.rule_scope == ORG else self.rule_scope,
                "notify_in_app": self.rule_in_app,
                "notify_webhook": self.rule_webhook,
            }
            await asyncio.to_thread(alerts.create_rule, database_url(), actor, data)
        except AgentFlowError as exc:
            self.rule_error = exc.message
            return
        self.rule_open, self.rule_error, self.rule_name, self.rule_threshold = False, "", "", ""
        await self._reread(actor)

    @rx.event
    def ask_delete(self, kind: str, item_id: str, label: str) -> None:
        self.confirm_kind, self.confirm_id, self.confirm_label = kind, item_id, label
        self.confirm_open = True

    @rx.event
    def cancel_delete(self) -> None:
        self.confirm_open = False

    @rx.event
    async def confirm_delete(self) -> None:
        self.confirm_open = False
        actor = await self._actor()
        if actor is None:
            return
        remove = budgets.delete_budget if self.confirm_kind == "budget" else alerts.delete_rule
        try:
            await asyncio.to_thread(remove, database_url(), actor, uuid.UUID(self.confirm_id))
        except Forbidden as exc:
            if self.confirm_kind == "budget":
                self.budget_error = exc.message
            else:
                self.rule_error = exc.message
        except (NotFound, ValueError):
            pass  # already gone: the list below shows what is left
        await self._reread(actor)


def _number(text: str, what: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise InvalidInput(f"{what}: enter a number") from None
