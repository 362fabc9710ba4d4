"""``delay``: waits ``seconds`` (a number, or a template giving one).

A literal value is checked now: 0 to 30 days. A template's value is checked
when it is evaluated.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from agentflow.nodes.base import TEMPLATE, NodeConfig, NodeType
from agentflow.spec.expressions import has_markup

MAX_DELAY_S = 30 * 24 * 3600


class DelayConfig(NodeConfig):
    seconds: float | str = Field(
        description="How long to wait, in seconds (a number or a template).",
        json_schema_extra=TEMPLATE,
    )

    @field_validator("seconds")
    @classmethod
    def _literal_in_range(cls, value: float | str) -> float | str:
        if isinstance(value, str):
            if has_markup(value):
                return value
            try:
                number = float(value)
            except ValueError:
                raise ValueError("seconds must be a number or a template") from None
        else:
            number = value
        if not 0 <= number <= MAX_DELAY_S:
            raise ValueError(f"seconds must be between 0 and {MAX_DELAY_S}")
        return value


class DelayNode(NodeType[DelayConfig]):
    type = "delay"
    title = "Delay"
    description = "Waits before continuing."
    icon = "timer"
    config_model = DelayConfig


DELAY = DelayNode()
