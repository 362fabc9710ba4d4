"""``switch``: compares a value with each case's ``equals``; the first match's
name is the handle taken, ``default`` when none matches.

Case names become handle names, so they must be unique, non-empty, at most 64
characters, and cannot be ``default`` or ``error`` (both reserved handles).

Equality is JSON equality (:func:`json_equal`): numbers compare by value
(``1`` equals ``1.0``, as in JSON Schema's ``const``), but a boolean never
equals a number (``true`` is not ``1``) and a string never equals a number
(``"1"`` is not ``1``); lists compare item by item, objects key by key.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agentflow.engine.context import NodeContext
from agentflow.spec.expressions import evaluate_expression
from agentflow.spec.models import ERROR_HANDLE
from agentflow.spec.node_types import EXPRESSION, JSON, NodeConfig, NodeType

DEFAULT_CASE = "default"


class SwitchCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, description="Case name, used as its handle.")
    equals: Any = Field(
        description="JSON value the switch value is compared with.", json_schema_extra=JSON
    )


class SwitchConfig(NodeConfig):
    value: str = Field(
        min_length=1,
        title="Value to match",
        description="Expression giving the value to match.",
        json_schema_extra=EXPRESSION,
    )
    cases: list[SwitchCase] = Field(
        default_factory=list, max_length=100, title="Cases", description="Cases, checked in order."
    )

    @field_validator("cases")
    @classmethod
    def _distinct_names(cls, cases: list[SwitchCase]) -> list[SwitchCase]:
        names = [case.name for case in cases]
        reserved = {DEFAULT_CASE, ERROR_HANDLE} & set(names)
        if reserved:
            raise ValueError(f"case names cannot be {' or '.join(sorted(reserved))}")
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate case names: {', '.join(duplicates)}")
        return cases


class SwitchNode(NodeType[SwitchConfig]):
    type = "switch"
    title = "Switch"
    description = "Routes to the first case whose value matches, else to default."
    icon = "split"
    config_model = SwitchConfig

    def handles(self, config: SwitchConfig) -> list[str]:
        return [*(case.name for case in config.cases), DEFAULT_CASE]

    def output_handles(self, config: SwitchConfig, output: Any) -> list[str]:
        return [output["case"]]

    async def execute(self, config: SwitchConfig, ctx: NodeContext) -> dict[str, Any]:
        value = evaluate_expression(config.value, ctx.scope)
        ctx.resolved_input = {"value": value}
        case = next((c.name for c in config.cases if json_equal(value, c.equals)), DEFAULT_CASE)
        return {"value": value, "case": case}


def json_equal(left: Any, right: Any) -> bool:
    """Equality of two JSON values: 1 == 1.0, but true != 1 and "1" != 1."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(map(json_equal, left, right))
    return type(left) is type(right) and bool(left == right)


SWITCH = SwitchNode()
