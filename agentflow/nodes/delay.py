"""``delay``: waits ``seconds`` (a number, or a template giving one).

A literal value is checked now: 0 to 30 days. A template's value is checked
when it is evaluated: a number or a numeric string, finite, 0 to 30 days, else
a ``validation`` error. The wait holds the worker for now (long delays that
free it come later), and the node's ``timeout_s`` (default 300 s) still bounds
the attempt: raise it for longer delays.
"""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field, field_validator

from agentflow.engine.context import NodeContext
from agentflow.engine.errors import NodeError, Suspended
from agentflow.spec.expressions import has_markup, render_template
from agentflow.spec.node_types import TEMPLATE, NodeConfig, NodeType

MAX_DELAY_S = 30 * 24 * 3600


class DelayConfig(NodeConfig):
    seconds: float | str = Field(
        title="Wait (s)",
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

    async def execute(self, config: DelayConfig, ctx: NodeContext) -> dict[str, float]:
        raw = config.seconds
        value = render_template(raw, ctx.scope) if isinstance(raw, str) else raw
        seconds = delay_seconds(value)
        ctx.resolved_input = {"seconds": seconds}
        if ctx.wait_until is not None:
            # Resumed after suspending: the delay is over once its end time has passed.
            ends_at = _as_utc(ctx.wait_until)
            remaining = (ends_at - datetime.now(UTC)).total_seconds()
            if remaining > ctx.deps.inline_wait_max_s and ctx.deps.suspend_long_waits:
                raise Suspended(ends_at, "delaying")
            await asyncio.sleep(max(0.0, remaining))
            return {"waited_s": seconds}
        if ctx.deps.suspend_long_waits and seconds > ctx.deps.inline_wait_max_s:
            # On the worker pool a long delay frees the worker: the run waits and a
            # deferred job resumes it when the delay ends.
            raise Suspended(datetime.now(UTC) + timedelta(seconds=seconds), "delaying")
        await asyncio.sleep(seconds)
        return {"waited_s": seconds}


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def delay_seconds(value: Any) -> float:
    """A rendered ``seconds`` value as a number of seconds, or a validation NodeError."""
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None:
        raise NodeError("validation", f"seconds must be a number, got {value!r:.100}")
    if not math.isfinite(number) or not 0 <= number <= MAX_DELAY_S:
        raise NodeError("validation", f"seconds must be between 0 and {MAX_DELAY_S}, got {number}")
    return number


DELAY = DelayNode()
