"""In-memory implementations of the engine's ports, for tests and benchmarks.

PostgreSQL's (agentflow/db/run_store.py) make the same transitions durable; these keep
them in lists and dicts, so the scheduling rules can be exercised without a database.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from agentflow.engine.ports import ApprovalDecision, RunStatus, StepError, StepRecord


class MemoryRecorder:
    """A RunRecorder that keeps every step transition and every run status, unmasked.

    With ``keep=False`` it keeps nothing, so what a benchmark measures is the engine.
    """

    def __init__(self, *, keep: bool = True) -> None:
        self.keep = keep
        self.steps: list[StepRecord] = []
        self.runs: list[dict[str, Any]] = []

    async def step_changed(self, run_id: str, step: StepRecord) -> None:
        if self.keep:
            self.steps.append(dataclasses.replace(step, handles=list(step.handles)))

    async def run_changed(
        self,
        run_id: str,
        status: RunStatus,
        *,
        output: Any = None,
        error: StepError | None = None,
    ) -> None:
        if self.keep:
            self.runs.append({"status": status, "output": output, "error": error})

    def transitions(self, node: str) -> list[str]:
        """The statuses ``node`` went through, in order."""
        return [step.status for step in self.steps if step.node == node]

    def run_statuses(self) -> list[str]:
        return [run["status"] for run in self.runs]

    def stored(self) -> str:
        """Everything kept, as the text a store would hold (to search it for secrets)."""
        steps = [dataclasses.asdict(step) for step in self.steps]
        runs = [{**run, "error": run["error"] and run["error"].as_dict()} for run in self.runs]
        return json.dumps({"steps": steps, "runs": runs}, default=str)


class MemoryApprovalInbox:
    """The ApprovalInbox over a dict: ``decide`` records what a person answered."""

    def __init__(self) -> None:
        self.decisions: dict[tuple[str, str], ApprovalDecision] = {}
        self.asked: list[tuple[str, str]] = []

    def decide(self, run_id: str, node: str, *, approved: bool, by: str | None = None) -> None:
        self.decisions[(run_id, node)] = ApprovalDecision(approved, by)

    async def decision(self, run_id: str, node: str) -> ApprovalDecision | None:
        self.asked.append((run_id, node))
        return self.decisions.get((run_id, node))
