"""``approval``: pauses the run until someone approves or rejects, or the timeout passes.

``timeout_s`` defaults to one day (at most 30 days); ``on_timeout`` decides
the handle taken when nobody answers in time (default ``reject``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from agentflow.nodes.base import TEMPLATE, NodeConfig, NodeType


class ApprovalConfig(NodeConfig):
    message: str = Field(
        min_length=1, description="What the approver is asked.", json_schema_extra=TEMPLATE
    )
    timeout_s: float = Field(
        24 * 3600, gt=0, le=30 * 24 * 3600, description="How long to wait for an answer."
    )
    on_timeout: Literal["reject", "approve"] = Field(
        "reject", description="The decision taken when nobody answers in time."
    )


class ApprovalNode(NodeType[ApprovalConfig]):
    type = "approval"
    title = "Approval"
    description = "Waits for a person to approve or reject."
    icon = "user-check"
    config_model = ApprovalConfig

    def handles(self, config: ApprovalConfig) -> list[str]:
        return ["approved", "rejected"]


APPROVAL = ApprovalNode()
