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
from collections import defaultdict, deque
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
    # ``nodes`` as templates see it, kept up to date as steps resolve (see visible_output).
    scope_nodes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def resolve(self, record: StepRecord) -> None:
        self.records[record.node] = record
        output = visible_output(record)
        if output is not _INVISIBLE:
            self.scope_nodes[record.node] = {"output": output}

    def outputs(self) -> dict[str, Any]:
        return {node: entry["output"] for node, entry in self.scope_nodes.items()}

    @property
    def waiting(self) -> list[str]:
        return [node for node, record in self.records.items() if record.status == "waiting"]


_INVISIBLE = object()


def visible_output(record: StepRecord) -> Any:
    """What templates see of a step: its output, or for a routed failure its error."""
    if record.status == "succeeded":
        return record.output
    if record.status == "failed" and record.error is not None:
        return {"error": record.error.as_dict()}
    return _INVISIBLE


class GraphScheduler:
    """Runs a graph; each step resolution touches only its successors, so a run costs
    time linear in its nodes and edges."""

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
        self.outgoing: dict[str, list[Edge]] = defaultdict(list)
        self.unresolved_in: dict[str, int] = dict.fromkeys(self.nodes, 0)
        self.live_in: dict[str, int] = dict.fromkeys(self.nodes, 0)
        for edge in edges:
            self.outgoing[edge.source].append(edge)
            self.unresolved_in[edge.target] += 1
        self.in_degree = dict(self.unresolved_in)
        self.steps = steps
        self.previous = dict(previous or {})
        self.semaphore = asyncio.Semaphore(max_parallel)
        self.state = GraphState()
        # Templates only reference upstream nodes, whose outputs are final once they
        # resolve, so every step can share this one scope (no per-step copy).
        self.scope = {**base_scope, "nodes": self.state.scope_nodes}
        # Nodes whose incoming edges are all resolved, in the document's order.
        self.ready = deque(n for n, count in self.unresolved_in.items() if count == 0)

    # -- edge and readiness rules ----------------------------------------------------

    def _resolved(self, record: StepRecord) -> None:
        """Record a final outcome and resolve the node's outgoing edges."""
        self.state.resolve(record)
        for edge in self.outgoing.get(record.node, []):
            if edge.source_handle in record.handles:
                self.live_in[edge.target] += 1
            self.unresolved_in[edge.target] -= 1
            if self.unresolved_in[edge.target] == 0:
                self.ready.append(edge.target)

    def _should_skip(self, node_id: str) -> bool:
        """All incoming edges are resolved: skip when there were some and none is live."""
        return self.in_degree[node_id] > 0 and self.live_in[node_id] == 0

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
                    running.pop(task)
                    record = task.result()
                    if record.status in RESOLVED:
                        self._resolved(record)
                    else:  # waiting: recorded, but its edges stay unresolved
                        self.state.records[record.node] = record
                    if record.status == "failed" and self.nodes[record.node].on_error == "fail":
                        self.state.failure = record
                if self.state.failure is not None:
                    await _cancel_all(running)
                    running.clear()
        finally:
            # Run deadline or cancellation from outside: interrupt every running step.
            await _cancel_all(running)

    async def _start_ready(self, running: dict[asyncio.Task[StepRecord], str]) -> None:
        # Skips and reused steps resolve at once and may make more nodes ready.
        while self.ready:
            node_id = self.ready.popleft()
            if self._should_skip(node_id):
                await self._skip(node_id)
                continue
            reused = self._reusable(node_id)
            if reused is not None:
                self._resolved(reused)
                continue
            running[asyncio.create_task(self._run_node(node_id))] = node_id

    def _reusable(self, node_id: str) -> StepRecord | None:
        """A step recorded as finished by an earlier execution of this run is not redone."""
        record = self.previous.get(node_id)
        if record is not None and record.status in RESOLVED:
            return record
        return None

    async def _run_node(self, node_id: str) -> StepRecord:
        async with self.semaphore:
            return await self.steps.run(self.nodes[node_id], self.scope, self.previous.get(node_id))

    async def _skip(self, node_id: str) -> None:
        now = utcnow()
        record = StepRecord(node=node_id, status="skipped", started_at=now, finished_at=now)
        self._resolved(record)
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
