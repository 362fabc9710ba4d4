"""Schedules the nodes of one graph (a document or an inline body).

Edge semantics, from the format: an edge is *live* when its source succeeded (or
failed with ``on_error: route``) and made the edge's handle live; it is *dead*
when the source took another handle or was skipped. A node runs once all of its
incoming edges are resolved and at least one is live; a node whose incoming
edges are all dead is skipped, which kills its own outgoing edges in turn.
Ready nodes run concurrently, at most ``max_parallel`` at a time.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agentflow.engine.attempts import StepRunner, utcnow
from agentflow.engine.ports import StepError, StepRecord
from agentflow.spec.models import Edge, Node

# Step statuses whose outcome is final for scheduling purposes.
RESOLVED = frozenset({"succeeded", "failed", "skipped"})


@dataclass
class GraphState:
    """What has happened so far: one record per node that started or was skipped."""

    records: dict[str, StepRecord] = field(default_factory=dict)
    failure: StepRecord | None = None  # the step that failed the run (on_error: fail)

    def outputs(self) -> dict[str, Any]:
        """Outputs visible to templates: succeeded steps, and routed failures as errors."""
        visible: dict[str, Any] = {}
        for node_id, record in self.records.items():
            if record.status == "succeeded":
                visible[node_id] = record.output
            elif record.status == "failed" and record.error is not None:
                visible[node_id] = {"error": record.error.as_dict()}
        return visible

    @property
    def waiting(self) -> list[str]:
        return [node for node, record in self.records.items() if record.status == "waiting"]


class GraphScheduler:
    def __init__(
        self,
        nodes: list[Node],
        edges: list[Edge],
        *,
        max_parallel: int,
        steps: StepRunner,
        base_scope: Mapping[str, Any],
        previous: Mapping[str, StepRecord] | None = None,
    ) -> None:
        self.nodes = {node.id: node for node in nodes}
        self.incoming: dict[str, list[Edge]] = defaultdict(list)
        for edge in edges:
            self.incoming[edge.target].append(edge)
        self.steps = steps
        self.base_scope = base_scope
        self.previous = dict(previous or {})
        self.semaphore = asyncio.Semaphore(max_parallel)
        self.state = GraphState()

    # -- edge and readiness rules ----------------------------------------------------

    def _edge_liveness(self, edge: Edge) -> bool | None:
        """True live, False dead, None not yet resolved."""
        source = self.state.records.get(edge.source)
        if source is None or source.status not in RESOLVED:
            return None
        return edge.source_handle in source.handles

    def _readiness(self, node_id: str) -> str | None:
        """'run', 'skip', or None while some incoming edge is unresolved."""
        states = [self._edge_liveness(edge) for edge in self.incoming.get(node_id, [])]
        if any(state is None for state in states):
            return None
        if states and not any(states):
            return "skip"
        return "run"

    def _scope(self) -> dict[str, Any]:
        outputs = self.state.outputs()
        return {**self.base_scope, "nodes": {k: {"output": v} for k, v in outputs.items()}}

    # -- execution ---------------------------------------------------------------------

    async def run(self) -> GraphState:
        running: dict[asyncio.Task[StepRecord], str] = {}
        try:
            while True:
                if self.state.failure is None:
                    await self._start_ready(running)
                if not running:
                    return self.state
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    node_id = running.pop(task)
                    record = task.result()
                    self.state.records[node_id] = record
                    if record.status == "failed" and self.nodes[node_id].on_error == "fail":
                        self.state.failure = record
                if self.state.failure is not None:
                    await _cancel_all(running)
                    running.clear()
        finally:
            # Run deadline or cancellation from outside: interrupt every running step.
            await _cancel_all(running)

    async def _start_ready(self, running: dict[asyncio.Task[StepRecord], str]) -> None:
        # Skips cascade without starting tasks, so repeat until nothing changes.
        progressed = True
        while progressed:
            progressed = False
            busy = set(running.values())
            for node_id in self.nodes:
                if node_id in self.state.records or node_id in busy:
                    continue
                readiness = self._readiness(node_id)
                if readiness == "skip":
                    await self._skip(node_id)
                    progressed = True
                elif readiness == "run":
                    reused = self._reusable(node_id)
                    if reused is not None:
                        self.state.records[node_id] = reused
                        progressed = True
                        continue
                    task = asyncio.create_task(self._run_node(node_id))
                    running[task] = node_id
                    busy.add(node_id)

    def _reusable(self, node_id: str) -> StepRecord | None:
        """A step recorded as finished by an earlier execution of this run is not redone."""
        record = self.previous.get(node_id)
        if record is not None and record.status in RESOLVED:
            return record
        return None

    async def _run_node(self, node_id: str) -> StepRecord:
        async with self.semaphore:
            return await self.steps.run(
                self.nodes[node_id], self._scope(), self.previous.get(node_id)
            )

    async def _skip(self, node_id: str) -> None:
        now = utcnow()
        record = StepRecord(node=node_id, status="skipped", started_at=now, finished_at=now)
        self.state.records[node_id] = record
        await self.steps.recorder.step_changed(self.steps.run_id, record)


async def _cancel_all(running: Mapping[asyncio.Task[StepRecord], str]) -> None:
    for task in running:
        task.cancel()
    if running:
        await asyncio.gather(*running, return_exceptions=True)


def failure_error(state: GraphState) -> StepError | None:
    if state.failure is None or state.failure.error is None:
        return None
    error = state.failure.error
    return StepError(error.type, f"step {state.failure.node!r} failed: {error.message}")
