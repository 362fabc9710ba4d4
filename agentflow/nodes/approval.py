"""``approval``: pauses the run until someone approves or rejects, or the timeout passes.

``timeout_s`` defaults to one day (at most 30 days); ``on_timeout`` decides
the handle taken when nobody answers in time (default ``reject``).

Execution: the first attempt without a decision raises WaitingForApproval
with its deadline (now + ``timeout_s``); the run then waits without holding a
worker. When the run resumes, ``ctx.wait_until`` carries that deadline: a
recorded decision gives ``{"approved", "by", "comment"}``; past the deadline
``on_timeout`` applies with ``by: "timeout"``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import Field

from agentflow.engine.context import NodeContext
from agentflow.engine.errors import WaitingForApproval
from agentflow.nodes.runtime import as_text
from agentflow.spec.expressions import render_template
from agentflow.spec.node_types import TEMPLATE, NodeConfig, NodeType


class ApprovalConfig(NodeConfig):
    message: str = Field(
        min_length=1,
        title="Question for the approver",
        description="What the approver is asked.",
        json_schema_extra=TEMPLATE,
    )
    timeout_s: float = Field(
        24 * 3600,
        gt=0,
        le=30 * 24 * 3600,
        title="Answer within (s)",
        description="How long to wait for an answer.",
    )
    on_timeout: Literal["reject", "approve"] = Field(
        "reject",
        title="If nobody answers",
        description="The decision taken when nobody answers in time.",
    )


class ApprovalNode(NodeType[ApprovalConfig]):
    type = "approval"
    title = "Approval"
    description = "Waits for a person to approve or reject."
    icon = "user-check"
    config_model = ApprovalConfig

    def handles(self, config: ApprovalConfig) -> list[str]:
        return ["approved", "rejected"]

    def output_handles(self, config: ApprovalConfig, output: Any) -> list[str]:
        return ["approved"] if output["approved"] else ["rejected"]

    async def execute(self, config: ApprovalConfig, ctx: NodeContext) -> dict[str, Any]:
        ctx.resolved_input = {"message": as_text(render_template(config.message, ctx.scope))}
        decision = await ctx.deps.approvals.decision(ctx.run_id, ctx.node_id)
        if decision is not None:
            return {
                "approved": bool(decision.approved),
                "by": decision.by,
                "comment": decision.comment,
            }
        now = datetime.now(UTC)
        deadline = _aware(ctx.wait_until) or now + timedelta(seconds=config.timeout_s)
        if now >= deadline:
            return {"approved": config.on_timeout == "approve", "by": "timeout", "comment": None}
        raise WaitingForApproval(deadline)


def _aware(moment: datetime | None) -> datetime | None:
    """A stored deadline without a zone is read as UTC (the engine stores UTC)."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


APPROVAL = ApprovalNode()
