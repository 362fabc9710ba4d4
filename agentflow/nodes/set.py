"""``set``: builds an object whose values are templates; the output is that object."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from agentflow.engine.context import NodeContext
from agentflow.spec.expressions import render_value
from agentflow.spec.node_types import TEMPLATE, NodeConfig, NodeType


class SetConfig(NodeConfig):
    values: dict[str, Any] = Field(
        title="Values",
        description="Keys to set; string values (at any depth) are templates.",
        json_schema_extra=TEMPLATE,
    )


class SetNode(NodeType[SetConfig]):
    type = "set"
    title = "Set values"
    description = "Builds an object from templates."
    icon = "variable"
    config_model = SetConfig

    async def execute(self, config: SetConfig, ctx: NodeContext) -> dict[str, Any]:
        values: dict[str, Any] = render_value(config.values, ctx.scope)
        return values


SET = SetNode()
