"""``condition``: evaluates an expression and takes the ``true`` or ``false`` handle."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from agentflow.engine.context import NodeContext
from agentflow.spec.expressions import evaluate_expression
from agentflow.spec.node_types import EXPRESSION, NodeConfig, NodeType


class ConditionConfig(NodeConfig):
    expression: str = Field(
        min_length=1,
        title="Condition",
        description="Expression deciding the branch, e.g. input.n > 5.",
        json_schema_extra=EXPRESSION,
    )


class ConditionNode(NodeType[ConditionConfig]):
    type = "condition"
    title = "Condition"
    description = "Branches on an expression: true or false."
    icon = "git-branch"
    config_model = ConditionConfig

    def handles(self, config: ConditionConfig) -> list[str]:
        return ["true", "false"]

    def output_handles(self, config: ConditionConfig, output: Any) -> list[str]:
        return ["true"] if output["value"] else ["false"]

    async def execute(self, config: ConditionConfig, ctx: NodeContext) -> dict[str, bool]:
        """``{"value": bool}``; the value's Python truthiness (0, "", [], {} and null are false)."""
        value = evaluate_expression(config.expression, ctx.scope)
        ctx.resolved_input = {"value": value}
        return {"value": bool(value)}


CONDITION = ConditionNode()
