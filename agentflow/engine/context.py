"""What a node sees while it executes one attempt."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agentflow.engine.ports import EngineDeps
from agentflow.spec.models import SubflowBody

# Runs an inline body: (body, scope for its templates) -> the body's output.
BodyRunner = Callable[[SubflowBody, Mapping[str, Any]], Awaitable[Any]]


@dataclass
class Usage:
    """Filled by nodes that call a model; recorded on the step."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    # The model that answered and its provider: cost and tokens are charted by them.
    model: str | None = None
    provider: str | None = None

    def add(
        self,
        prompt_tokens: int,
        completion_tokens: int,
        cost_usd: float,
        *,
        model: str | None = None,
        provider: str | None = None,
    ) -> None:
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        self.cost_usd += cost_usd
        self.model = model or self.model
        self.provider = provider or self.provider


@dataclass
class NodeContext:
    run_id: str
    node_id: str
    attempt: int
    # The evaluation scope: input, nodes, env, run (and item/index inside a map body).
    scope: Mapping[str, Any]
    deps: EngineDeps
    run_body: BodyRunner
    usage: Usage = field(default_factory=Usage)
    # Set when an approval step resumes: the deadline recorded when it started waiting.
    wait_until: datetime | None = None
    # The resolved input a node wants recorded on its step (rendered config values).
    resolved_input: Any = None
