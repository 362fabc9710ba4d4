"""Monthly cost budgets of an organisation and of single workflows.

Spend to date is the cost of the steps that finished since the start of the
calendar month in UTC (rollups plus the raw tail, see agentflow.analytics). A
budget with ``hard_stop`` refuses new runs once the spend reaches its limit
(:func:`check_can_start`, called where every run starts: services/runs/dispatch.py);
runs already going finish. The soft threshold only notifies (jobs/analytics.py).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from agentflow.analytics.facts import MODELS, STEPS, facts
from agentflow.analytics.periods import Period
from agentflow.db.analytics import Budget
from agentflow.db.engine import session_scope
from agentflow.db.runs import Workflow
from agentflow.db.tenancy import get_in_org
from agentflow.errors import AgentFlowError, InvalidInput, NotFound
from agentflow.services.tenancy import audit
from agentflow.services.tenancy.permissions import Action, Actor, parse_input, require

ORG_SCOPE = "org"


class BudgetNotFound(NotFound):
    what = "budget"


class BudgetExceeded(AgentFlowError):
    """A hard-stop budget is used up: no new run may start until next month."""

    type = "budget_exceeded"

    def __init__(self, scope: str, limit_usd: float, spent_usd: float) -> None:
        self.scope = scope
        self.limit_usd = limit_usd
        self.spent_usd = spent_usd
        super().__init__(
            f"the {scope} monthly budget of ${limit_usd:,.2f} is used up "
            f"(${spent_usd:,.4f} spent this month): new runs are refused until next month "
            "or until the budget is raised"
        )

    @property
    def details(self) -> Any:
        return {"limit_usd": self.limit_usd, "spent_usd": self.spent_usd, "scope": self.scope}


class BudgetInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    workflow_id: uuid.UUID | None = Field(
        default=None, description="the workflow; empty for the organisation's budget"
    )
    monthly_limit_usd: float = Field(gt=0, le=10_000_000)
    soft_threshold_pct: int = Field(default=80, ge=1, le=100)
    hard_stop: bool = True


@dataclass(frozen=True)
class BudgetStatus:
    id: str
    workflow_id: str
    scope: str  # "organisation" or the workflow's name
    monthly_limit_usd: float
    soft_threshold_pct: int
    hard_stop: bool
    spent_usd: float
    used_ratio: float
    state: str  # ok | soft | exceeded

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def month_period(now: datetime | None = None) -> Period:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return Period(start, end, "UTC")


def month_key(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m")


def spent(
    session: Session, org_id: uuid.UUID, workflow_id: uuid.UUID | None, now: datetime | None = None
) -> float:
    # The organisation's spend from the per-model rollups (a few rows an hour); a
    # workflow's from the per-workflow step rollups.
    source = STEPS if workflow_id is not None else MODELS
    rows = facts(
        session, source, org_id, month_period(now), measures=("cost_usd",), workflow_id=workflow_id
    )
    return round(float(rows[0]["cost_usd"]) if rows else 0.0, 6)


def _status(session: Session, budget: Budget, names: dict[uuid.UUID, str]) -> BudgetStatus:
    used = spent(session, budget.org_id, budget.workflow_id)
    limit = round(float(budget.monthly_limit_usd), 6)
    ratio = used / limit if limit else 0.0
    state = (
        "exceeded"
        if used >= limit
        else "soft"
        if ratio * 100 >= budget.soft_threshold_pct
        else "ok"
    )
    return BudgetStatus(
        id=str(budget.id),
        workflow_id=str(budget.workflow_id or ""),
        scope=names.get(budget.workflow_id, "(deleted workflow)")
        if budget.workflow_id
        else "organisation",
        monthly_limit_usd=limit,
        soft_threshold_pct=budget.soft_threshold_pct,
        hard_stop=budget.hard_stop,
        spent_usd=used,
        used_ratio=ratio,
        state=state,
    )


def list_budgets(database_url: str, actor: Actor) -> list[BudgetStatus]:
    require(actor, Action.ANALYTICS_READ)
    with session_scope(database_url) as session:
        budgets = session.execute(
            select(Budget).where(col(Budget.org_id) == actor.org_id).order_by(col(Budget.scope_key))
        ).scalars().all()  # fmt: skip
        names = dict(
            session.execute(
                select(col(Workflow.id), col(Workflow.name)).where(
                    col(Workflow.org_id) == actor.org_id
                )
            ).all()
        )
        # The organisation's budget first, then workflows by name.
        statuses = [_status(session, budget, names) for budget in budgets]
        return sorted(statuses, key=lambda s: (s.workflow_id != "", s.scope.lower()))


def set_budget(database_url: str, actor: Actor, data: BudgetInput | dict[str, Any]) -> str:
    """Create or replace the budget of the organisation or of one of its workflows."""
    require(actor, Action.BUDGET_MANAGE)
    body = parse_input(BudgetInput, data)
    with session_scope(database_url) as session:
        if body.workflow_id is not None:
            workflow = get_in_org(session, Workflow, body.workflow_id, org_id=actor.org_id)
            if workflow is None:
                raise InvalidInput("workflow_id: no such workflow in this organisation")
        scope = str(body.workflow_id) if body.workflow_id else ORG_SCOPE
        budget = session.execute(
            select(Budget).where(col(Budget.org_id) == actor.org_id, col(Budget.scope_key) == scope)
        ).scalar_one_or_none()
        if budget is None:
            budget = Budget(org_id=actor.org_id, scope_key=scope, workflow_id=body.workflow_id,
                            monthly_limit_usd=body.monthly_limit_usd)  # fmt: skip
        budget.monthly_limit_usd = body.monthly_limit_usd
        budget.soft_threshold_pct = body.soft_threshold_pct
        budget.hard_stop = body.hard_stop
        budget.updated_at = datetime.now(UTC)
        # A raised limit may be crossed again this month: notify again then.
        budget.soft_notified_month = budget.hard_notified_month = ""
        session.add(budget)
        session.flush()
        audit.record(
            session, actor, "budget.set", target_type="budget", target_id=budget.id,
            details={"scope": scope, "monthly_limit_usd": body.monthly_limit_usd,
                     "soft_threshold_pct": body.soft_threshold_pct, "hard_stop": body.hard_stop},
        )  # fmt: skip
        return str(budget.id)


def delete_budget(database_url: str, actor: Actor, budget_id: uuid.UUID) -> None:
    require(actor, Action.BUDGET_MANAGE)
    with session_scope(database_url) as session:
        budget = get_in_org(session, Budget, budget_id, org_id=actor.org_id)
        if budget is None:
            raise BudgetNotFound()
        session.delete(budget)
        audit.record(
            session, actor, "budget.delete", target_type="budget", target_id=budget_id,
            details={"scope": budget.scope_key},
        )  # fmt: skip


def check_can_start(
    database_url: str,
    org_id: uuid.UUID,
    workflow_id: uuid.UUID | None,
    now: datetime | None = None,
) -> None:
    """Raise :class:`BudgetExceeded` when a hard-stop budget of the org or workflow is
    used up (spend to date at or above the limit)."""
    scopes = [ORG_SCOPE] + ([str(workflow_id)] if workflow_id else [])
    with session_scope(database_url) as session:
        budgets = session.execute(
            select(Budget).where(
                col(Budget.org_id) == org_id,
                col(Budget.scope_key).in_(scopes),
                col(Budget.hard_stop).is_(True),
            )
        ).scalars().all()  # fmt: skip
        for budget in budgets:
            limit = round(float(budget.monthly_limit_usd), 6)
            used = spent(session, org_id, budget.workflow_id, now)
            if used >= limit:
                scope = "workflow's" if budget.workflow_id else "organisation's"
                raise BudgetExceeded(scope, limit, used)
