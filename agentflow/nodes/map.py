"""``map``: runs an inline subflow body once per item of a list.

Inside the body ``item`` and ``index`` are in scope and ``input`` is the
parent run's input; body nodes cannot reference the parent's nodes (pass what
they need through ``items``). The output is the list of body outputs, in
item order.
"""

from __future__ import annotations

from pydantic import Field

from agentflow.nodes.base import EXPRESSION, SUBFLOW, NodeConfig, NodeType
from agentflow.spec.models import SubflowBody


class MapConfig(NodeConfig):
    items: str = Field(
        min_length=1,
        description="Expression giving the list to map over, e.g. input.tickets.",
        json_schema_extra=EXPRESSION,
    )
    concurrency: int = Field(4, ge=1, le=64, description="Items processed at once.")
    subflow: SubflowBody = Field(
        description="The body run for each item: nodes, edges and output.",
        json_schema_extra=SUBFLOW,
    )


class MapNode(NodeType[MapConfig]):
    type = "map"
    title = "Map"
    description = "Runs a subflow for every item of a list and collects the results."
    icon = "repeat"
    config_model = MapConfig
    body_scope_names = frozenset({"item", "index"})


MAP = MapNode()
