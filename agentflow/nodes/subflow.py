"""``subflow``: runs another workflow, stored (``workflow``) or inline (``subflow``).

Exactly one of the two is required. ``workflow`` is the id or name of a
workflow in the same org; whether it exists is checked when the run starts
(the lookup belongs to the services layer). In the child, ``input`` is the
value of this node's ``input`` template (default ``{}``); an inline body
cannot reference the parent's nodes.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from agentflow.nodes.base import SUBFLOW, TEMPLATE, NodeConfig, NodeType
from agentflow.spec.models import SubflowBody


class SubflowConfig(NodeConfig):
    workflow: str | None = Field(
        None, min_length=1, description="Id or name of a workflow of this org to run."
    )
    subflow: SubflowBody | None = Field(
        None, description="An inline body to run instead.", json_schema_extra=SUBFLOW
    )
    input: Any = Field(
        default_factory=dict,
        description="The child's input: a template, or an object of templates.",
        json_schema_extra=TEMPLATE,
    )

    @model_validator(mode="after")
    def _one_target(self) -> SubflowConfig:
        if (self.workflow is None) == (self.subflow is None):
            raise ValueError("set exactly one of workflow and subflow")
        return self


class SubflowNode(NodeType[SubflowConfig]):
    type = "subflow"
    title = "Subflow"
    description = "Runs another workflow, or an inline one, and returns its output."
    icon = "workflow"
    config_model = SubflowConfig


SUBFLOW_NODE = SubflowNode()
