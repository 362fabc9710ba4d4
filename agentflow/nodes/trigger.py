"""``trigger``: how a run starts. Its output is the run input.

Cron expressions (five fields or an ``@daily`` style macro) are parsed here
with the scheduler's own parser (agentflow.spec.cron), so an expression that
saves is one the scheduler can run.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from agentflow.engine.context import NodeContext
from agentflow.spec.cron import InvalidSchedule
from agentflow.spec.cron import parse as parse_cron
from agentflow.spec.node_types import JSON, TRIGGER_TYPE, NodeConfig, NodeType, shown_when

_CRON_FIELD = re.compile(r"[0-9A-Za-z*?/,\-]+")
_CRON_MACROS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@hourly"})
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*")


class TriggerConfig(NodeConfig):
    kind: Literal["manual", "webhook", "schedule"] = Field(
        "manual",
        title="Starts on",
        description="What starts a run: a person or API call, a webhook, a schedule.",
    )
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = Field(
        "POST",
        title="HTTP method",
        description="Webhook: the HTTP method the webhook accepts.",
        json_schema_extra=shown_when("kind", "webhook"),
    )
    secret: str | None = Field(
        None,
        min_length=1,
        title="Signing secret",
        description="Webhook: optional shared secret; requests must then carry an "
        "HMAC signature of the body made with it.",
        json_schema_extra=shown_when("kind", "webhook"),
    )
    response: Literal["sync", "async"] = Field(
        "async",
        title="Webhook answer",
        description="Webhook: 'sync' answers with the run's output when it ends; "
        "'async' answers at once with the run id.",
        json_schema_extra=shown_when("kind", "webhook"),
    )
    cron: str | None = Field(
        None,
        title="Schedule (cron)",
        description="Schedule: cron expression, e.g. '0 9 * * 1-5' (required).",
        json_schema_extra=shown_when("kind", "schedule"),
    )
    timezone: str = Field(
        "UTC",
        title="Time zone",
        description="Schedule: IANA time zone the cron is read in.",
        json_schema_extra=shown_when("kind", "schedule"),
    )
    input: dict[str, Any] | None = Field(
        None,
        title="Input of scheduled runs",
        description="Schedule: the JSON object each scheduled run gets as its input "
        "(default {}); it must satisfy the workflow's inputs schema.",
        json_schema_extra={**JSON, **shown_when("kind", "schedule")},
    )

    @field_validator("cron")
    @classmethod
    def _check_cron(cls, value: str | None) -> str | None:
        if value is None:
            return None
        fields = value.split()
        if value.strip() in _CRON_MACROS:
            return value.strip()
        if len(fields) != 5 or not all(_CRON_FIELD.fullmatch(field) for field in fields):
            raise ValueError("cron must have five fields (minute hour day month weekday)")
        try:
            parse_cron(" ".join(fields))
        except InvalidSchedule as exc:
            raise ValueError(exc.message) from None
        return " ".join(fields)

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        if value == "UTC":
            return value
        try:
            if _ZONE_NAME.fullmatch(value):
                ZoneInfo(value)
                return value
        except (ZoneInfoNotFoundError, ValueError):
            pass
        raise ValueError(f"unknown time zone {value!r}")

    @model_validator(mode="after")
    def _schedule_needs_cron(self) -> TriggerConfig:
        if self.kind == "schedule" and self.cron is None:
            raise ValueError("cron is required when kind is 'schedule'")
        return self


class TriggerNode(NodeType[TriggerConfig]):
    type = TRIGGER_TYPE
    title = "Trigger"
    description = "Starts the workflow manually, from a webhook or on a schedule."
    icon = "zap"
    config_model = TriggerConfig

    async def execute(self, config: TriggerConfig, ctx: NodeContext) -> Any:
        """The run input (inside a stored subflow: the input the parent gave)."""
        return ctx.scope["input"]


TRIGGER = TriggerNode()
