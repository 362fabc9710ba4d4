"""``condition``: evaluates an expression and takes the ``true`` or ``false`` handle."""

from __future__ import annotations

from pydantic import Field

from agentflow.nodes.base import EXPRESSION, NodeConfig, NodeType


class ConditionConfig(NodeConfig):
    expression: str = Field(
        min_length=1,
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


CONDITION = ConditionNode()
