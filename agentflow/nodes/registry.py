"""All node types by name: the catalog the services hand to validation, the canvas
and the engine. ``knowledge`` joins when the RAG layer exists."""

from __future__ import annotations

from typing import Any

from agentflow.nodes.approval import APPROVAL
from agentflow.nodes.condition import CONDITION
from agentflow.nodes.delay import DELAY
from agentflow.nodes.http import HTTP
from agentflow.nodes.llm import LLM
from agentflow.nodes.map import MAP
from agentflow.nodes.set import SET
from agentflow.nodes.subflow import SUBFLOW_NODE
from agentflow.nodes.switch import SWITCH
from agentflow.nodes.template import TEMPLATE_NODE
from agentflow.nodes.trigger import TRIGGER
from agentflow.spec.node_types import NodeCatalog, NodeType

NODE_TYPES: NodeCatalog = {
    node_type.type: node_type
    for node_type in (
        TRIGGER,
        LLM,
        HTTP,
        CONDITION,
        SWITCH,
        MAP,
        SUBFLOW_NODE,
        TEMPLATE_NODE,
        SET,
        DELAY,
        APPROVAL,
    )
}


def get_node_type(name: str) -> NodeType[Any] | None:
    """The node type called ``name``, or None when there is no such type."""
    return NODE_TYPES.get(name)
