"""What the engine needs from the outside world, as small protocols.

The scheduler imports no database, queue or web framework: whoever runs a
workflow (the CLI, a worker, a test) hands it an :class:`EngineDeps`. That keeps
the semantics testable in process and lets persistence, secrets and approvals
live where they belong (agentflow.db / agentflow.services).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from agentflow.spec.node_types import NodeCatalog

RunStatus = Literal["queued", "running", "waiting", "succeeded", "failed", "cancelled", "timed_out"]
StepStatus = Literal["pending", "running", "succeeded", "failed", "skipped", "waiting", "cancelled"]
TERMINAL_RUN_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled", "timed_out"})


@dataclass
class StepError:
    """``type`` is one of the format's error types or a dotted refinement of one."""

    type: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"type": self.type, "message": self.message}


@dataclass
class StepRecord:
    """Everything recorded about one node of one run (the last attempt's values)."""

    node: str
    status: StepStatus
    attempts: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    input: Any = None
    output: Any = None
    error: StepError | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    model: str | None = None
    provider: str | None = None
    # Handles this step made live (e.g. ["true"] for a condition, ["error"] when routed).
    handles: list[str] = field(default_factory=list)
    # For a waiting approval: when its timeout passes.
    wait_until: datetime | None = None


@dataclass
class ApprovalDecision:
    approved: bool
    by: str | None = None
    comment: str | None = None


class RunRecorder(Protocol):
    """Receives every transition; the PostgreSQL implementation makes them durable."""

    async def step_changed(self, run_id: str, step: StepRecord) -> None: ...

    async def run_changed(
        self,
        run_id: str,
        status: RunStatus,
        *,
        output: Any = None,
        error: StepError | None = None,
    ) -> None: ...


class ApprovalInbox(Protocol):
    """Decisions people made on approval steps."""

    async def decision(self, run_id: str, node: str) -> ApprovalDecision | None: ...


class WorkflowLoader(Protocol):
    """Finds the published document of a stored workflow (for ``subflow.workflow``)."""

    async def published_document(self, org_id: str, reference: str) -> Mapping[str, Any]: ...


@dataclass
class EngineDeps:
    recorder: RunRecorder
    approvals: ApprovalInbox
    # The node types a run may execute (``agentflow.nodes.registry.NODE_TYPES``): given,
    # not imported, so the engine does not depend on the concrete types that depend on it.
    node_types: NodeCatalog
    workflows: WorkflowLoader | None = None
    # Org secrets for ``env.NAME``; the recorder masks their values in records.
    secrets: Mapping[str, str] = field(default_factory=dict)
    # The org's model provider settings, provider -> litellm arguments (api_key, and for
    # Azure api_base and api_version); the recorder masks the keys like secrets.
    model_access: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Hosts the org allows outbound requests to, despite the private-address guard.
    allow_hosts: tuple[str, ...] = ()
    org_id: str = ""
    # On the worker pool a long delay suspends the run (freeing the worker) instead of
    # sleeping; an in-process `agentflow run` simply sleeps.
    suspend_long_waits: bool = False
    # With suspend_long_waits: delays up to this many seconds still simply sleep.
    inline_wait_max_s: float = 5.0
