"""Engine overhead in process: a chain of no-op ``set`` nodes, nothing recorded."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from agentflow.bench.stats import median
from agentflow.engine.attempts import utcnow
from agentflow.engine.memory import MemoryApprovalInbox, MemoryRecorder
from agentflow.engine.ports import EngineDeps
from agentflow.engine.run import RunExecution
from agentflow.nodes.registry import NODE_TYPES
from agentflow.spec.models import Document


def chain_document(set_nodes: int, *, name: str = "bench chain") -> dict[str, Any]:
    """``trigger -> set_0 -> ... -> set_{n-1}``: every node does (almost) nothing."""
    nodes: list[dict[str, Any]] = [{"id": "start", "type": "trigger", "config": {"kind": "manual"}}]
    edges: list[dict[str, Any]] = []
    previous = "start"
    for index in range(set_nodes):
        node_id = f"set_{index}"
        nodes.append({"id": node_id, "type": "set", "config": {"values": {"index": index}}})
        edges.append({"source": previous, "target": node_id})
        previous = node_id
    return {"format": "agentflow/v1", "name": name, "nodes": nodes, "edges": edges}


async def _time_one_run(document: Document) -> float:
    deps = EngineDeps(
        # Nothing kept and nobody decides: what is left is the engine's own cost.
        recorder=MemoryRecorder(keep=False),
        approvals=MemoryApprovalInbox(),
        node_types=NODE_TYPES,
    )
    execution = RunExecution(document, run_id="bench", deps=deps)
    started = time.perf_counter()
    outcome = await execution.execute({}, started_at=utcnow())
    elapsed = time.perf_counter() - started
    if outcome.status != "succeeded":
        raise RuntimeError(f"the benchmark chain ended {outcome.status}: {outcome.error}")
    return elapsed


def overhead_ms_per_node(set_nodes: int, repetitions: int) -> dict[str, Any]:
    """Median over ``repetitions`` of (run time / node count), in milliseconds."""
    document = Document.model_validate(chain_document(set_nodes))
    node_count = set_nodes + 1

    async def measure() -> list[float]:
        await _time_one_run(document)  # warm-up: imports, caches, first allocations
        return [await _time_one_run(document) for _ in range(repetitions)]

    samples = asyncio.run(measure())
    per_node = [seconds * 1000 / node_count for seconds in samples]
    return {
        "nodes": node_count,
        "repetitions": repetitions,
        "ms_per_node": median(per_node),
        "ms_per_node_min": min(per_node),
        "ms_per_node_max": max(per_node),
    }
