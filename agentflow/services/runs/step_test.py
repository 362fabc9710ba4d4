"""Testing one step alone, with pinned data for what comes before it.

The builder's "Test step" runs a single node without running (or paying for) the
nodes upstream of it: the user gives the run input and each upstream node's output
(mock data, whatever the node's type), and the step runs on the worker pool like any
run. The run stores a document cut down to the step and its upstream nodes, plus a
finished step row per upstream node holding the pinned output. The engine reuses
finished steps (as it does when a run resumes), so only the tested node executes and
nothing downstream of it runs.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from typing import Any

from arq.connections import ArqRedis

from agentflow.db.engine import unit_of_work
from agentflow.db.models import utcnow
from agentflow.db.runs import Run, Step
from agentflow.errors import InvalidInput
from agentflow.services.runs.dispatch import audit_run, enqueue_or_leave_to_reaper
from agentflow.services.runs.gate import check_can_run
from agentflow.services.runs.lifecycle import check_request
from agentflow.services.tenancy.permissions import Action, Actor, require
from agentflow.spec.graph import Graph
from agentflow.spec.node_types import TRIGGER_TYPE
from agentflow.spec.safe_input import UnsafeInput, check_data

STEP_TEST_TRIGGER = "step_test"


class StepNotTestable(InvalidInput):
    pass


def _items(document: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = document.get(key)
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def upstream_of(document: Mapping[str, Any], node_id: str) -> list[str]:
    """The ids of the nodes with a path to ``node_id``, in the document's order. Read
    from the raw document: nodes elsewhere in a draft may still be invalid."""
    ids = [str(node.get("id")) for node in _items(document, "nodes")]
    if node_id not in ids:
        raise StepNotTestable(f"the workflow has no node {node_id!r}")
    links = ((str(e.get("source")), str(e.get("target"))) for e in _items(document, "edges"))
    graph = Graph(ids, links)
    before = graph.upstream(node_id) - {node_id}
    return [node for node in ids if node in before]


def cut_to_step(document: Mapping[str, Any], node_id: str, upstream: list[str]) -> dict[str, Any]:
    """``document`` with only the step and its upstream nodes, and the edges between
    them; without ``output``, so the run's output is the step's."""
    kept = {node_id, *upstream}
    nodes = [node for node in _items(document, "nodes") if node.get("id") in kept]
    edges = [
        edge
        for edge in _items(document, "edges")
        if edge.get("source") in kept and edge.get("target") in kept
    ]
    dropped = ("nodes", "edges", "output")
    rest = {key: value for key, value in document.items() if key not in dropped}
    return {**rest, "nodes": nodes, "edges": edges}


def _triggers(document: Mapping[str, Any]) -> set[Any]:
    return {
        node.get("id") for node in _items(document, "nodes") if node.get("type") == TRIGGER_TYPE
    }


def pinnable(document: Mapping[str, Any], upstream: list[str]) -> list[str]:
    """The upstream nodes whose output is given: all but triggers, whose output is the
    run input."""
    triggers = _triggers(document)
    return [node for node in upstream if node not in triggers]


def pinned_steps(
    document: Mapping[str, Any], upstream: list[str], outputs: Mapping[str, Any], run_input: Any
) -> list[tuple[str, Any, list[str]]]:
    """(node, output, handles) per upstream node. A trigger's output is the run input.
    Every handle with an edge is live, so the step runs whichever branch it is on."""
    handles: dict[str, list[str]] = {node: [] for node in upstream}
    for edge in _items(document, "edges"):
        source, handle = edge.get("source"), str(edge.get("source_handle") or "out")
        if source in handles and handle not in handles[source]:
            handles[source].append(handle)
    triggers = _triggers(document)
    return [
        (
            node,
            run_input if node in triggers else outputs.get(node),
            handles[node] or ["out"],
        )
        for node in upstream
    ]


def store_step_test(
    database_url: str,
    document: Mapping[str, Any],
    node_id: str,
    *,
    run_input: Any,
    outputs: Mapping[str, Any],
    actor: Actor,
    workflow_id: uuid.UUID | None,
) -> uuid.UUID:
    """Check and store the run, its pinned upstream steps and its ``run.start`` audit
    entry in one transaction: a run is never stored without the data that stands in
    for its upstream nodes (it would run them). ``outputs``: upstream node id → the
    output to pin (absent: null)."""
    require(actor, Action.RUN_START)
    upstream = upstream_of(document, node_id)
    try:  # the run input is checked with the document; outputs are stored as given
        check_data(outputs)
    except UnsafeInput as exc:
        raise StepNotTestable(
            f"the pinned data cannot be stored: {exc.describe('nodes')}"
        ) from None
    unknown = sorted(set(outputs) - set(upstream))
    if unknown:
        raise StepNotTestable(
            f"the pinned data names {', '.join(unknown)}, which is not upstream of {node_id!r}"
        )
    cut = cut_to_step(document, node_id, upstream)
    with unit_of_work(database_url) as session:
        check_can_run(database_url, actor.org_id, workflow_id, cut)
        check_request(cut, run_input)
        run = Run(
            org_id=actor.org_id,
            workflow_id=workflow_id,
            document=cut,
            input=run_input,
            trigger=STEP_TEST_TRIGGER,
            status="queued",
        )
        session.add(run)
        session.flush()
        now = utcnow()
        for node, output, handles in pinned_steps(cut, upstream, outputs, run_input):
            session.add(
                Step(
                    org_id=actor.org_id,
                    run_id=run.id,
                    node_id=node,
                    status="succeeded",
                    started_at=now,
                    finished_at=now,
                    output=output,
                    handles=handles,
                )
            )
        audit_run(session, actor, "run.start", run.id, trigger=STEP_TEST_TRIGGER,
                  workflow=workflow_id, of="draft", step=node_id)  # fmt: skip
        return run.id


async def start_step_test(
    database_url: str,
    queue: ArqRedis,
    document: Mapping[str, Any],
    node_id: str,
    *,
    run_input: Any,
    outputs: Mapping[str, Any],
    actor: Actor,
    workflow_id: uuid.UUID | None,
) -> uuid.UUID:
    """:func:`store_step_test`, then enqueue the run (after the commit)."""
    run_id = await asyncio.to_thread(
        store_step_test,
        database_url,
        document,
        node_id,
        run_input=run_input,
        outputs=outputs,
        actor=actor,
        workflow_id=workflow_id,
    )
    await enqueue_or_leave_to_reaper(queue, database_url, run_id)
    return run_id
