"""The engine's scheduling rules, in memory: branches, joins, skips, on_error, retries,
deadlines, approvals and cancellation. The same rules run on PostgreSQL in
tests/integration/engine; here nothing but the engine and its in-memory ports runs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from agentflow.engine.memory import MemoryApprovalInbox, MemoryRecorder
from agentflow.engine.ports import EngineDeps
from agentflow.engine.run import RunExecution, RunOutcome
from agentflow.nodes.registry import NODE_TYPES
from agentflow.spec.models import Document
from agentflow.spec.node_types import NodeCatalog, NodeConfig, NodeType

RUN_ID = "5d9e0c1a-0000-4000-8000-00000000000a"
FAILING = "{{ 1 // 0 }}"  # an expression that fails whenever it is rendered


def document(nodes: list[dict[str, Any]], edges: list[Any], **extra: Any) -> Document:
    """A manual trigger ``start`` in front of ``nodes``; edges are (source, target[, handle])."""
    return Document.model_validate(
        {
            "format": "agentflow/v1",
            "name": "rules",
            "nodes": [{"id": "start", "type": "trigger", "config": {"kind": "manual"}}, *nodes],
            "edges": [
                {"source": s, "target": t, "source_handle": h[0] if h else "out"}
                for s, t, *h in edges
            ],
            **extra,
        }
    )


async def execute(
    doc: Document,
    run_input: Any = None,
    *,
    approvals: MemoryApprovalInbox | None = None,
    cancel: asyncio.Event | None = None,
    node_types: NodeCatalog = NODE_TYPES,
) -> tuple[RunOutcome, MemoryRecorder]:
    recorder = MemoryRecorder()
    deps = EngineDeps(
        recorder=recorder, approvals=approvals or MemoryApprovalInbox(), node_types=node_types
    )
    outcome = await RunExecution(doc, run_id=RUN_ID, deps=deps).execute(
        {} if run_input is None else run_input, started_at=datetime.now(UTC), cancel=cancel
    )
    return outcome, recorder


def statuses(outcome: RunOutcome) -> dict[str, str]:
    return {node: step.status for node, step in outcome.steps.items()}


BRANCHING = document(
    [
        {"id": "check", "type": "condition", "config": {"expression": "input.n > 5"}},
        {"id": "big", "type": "set", "config": {"values": {"size": "big"}}},
        {"id": "small", "type": "set", "config": {"values": {"size": "small"}}},
        {"id": "after_small", "type": "template", "config": {"template": "tiny"}},
        {"id": "join", "type": "template", "config": {"template": "{{ input.n }} done"}},
    ],
    [
        ("start", "check"),
        ("check", "big", "true"),
        ("check", "small", "false"),
        ("small", "after_small"),
        ("big", "join"),
        ("small", "join"),
    ],
    output="{{ nodes.join.output }}",
)


async def test_the_taken_branch_runs_the_other_is_skipped_with_what_it_alone_feeds() -> None:
    outcome, recorder = await execute(BRANCHING, {"n": 7})
    assert outcome.status == "succeeded"
    assert statuses(outcome) == {
        "start": "succeeded",
        "check": "succeeded",
        "big": "succeeded",
        "small": "skipped",
        "after_small": "skipped",
        "join": "succeeded",
    }
    assert outcome.output == "7 done"
    assert recorder.transitions("big") == ["running", "succeeded"]
    assert recorder.run_statuses()[-1] == "succeeded"


async def test_the_other_input_takes_the_other_branch() -> None:
    outcome, _ = await execute(BRANCHING, {"n": 2})
    assert (statuses(outcome)["big"], statuses(outcome)["after_small"]) == ("skipped", "succeeded")
    assert outcome.output == "2 done"


async def test_a_join_waits_for_every_live_incoming_branch() -> None:
    doc = document(
        [
            {"id": "a", "type": "delay", "config": {"seconds": 0.05}},
            {"id": "b", "type": "set", "config": {"values": {"v": 1}}},
            {"id": "join", "type": "template", "config": {"template": "{{ nodes.b.output.v }}"}},
        ],
        [("start", "a"), ("start", "b"), ("a", "join"), ("b", "join")],
    )
    outcome, recorder = await execute(doc)
    order = [(step.node, step.status) for step in recorder.steps]
    assert order.index(("join", "running")) > order.index(("a", "succeeded"))
    assert outcome.steps["join"].output == "1"


def failing(on_error: str) -> Document:
    nodes = [
        {"id": "boom", "type": "template", "config": {"template": FAILING}, "on_error": on_error},
        {"id": "use", "type": "template", "config": {"template": "after"}},
    ]
    edges: list[Any] = [("start", "boom"), ("boom", "use")]
    if on_error == "route":
        nodes.append({"id": "recover", "type": "template", "config": {"template": "recovered"}})
        edges.append(("boom", "recover", "error"))
    return document(nodes, edges)


async def test_on_error_fail_fails_the_run_and_starts_nothing_after() -> None:
    outcome, _ = await execute(failing("fail"))
    assert outcome.status == "failed"
    assert outcome.error is not None and "boom" in outcome.error.message
    assert "use" not in outcome.steps


async def test_on_error_continue_passes_the_error_on_as_output() -> None:
    outcome, _ = await execute(failing("continue"))
    assert outcome.status == "succeeded"
    assert outcome.steps["boom"].status == "succeeded"
    assert "error" in outcome.steps["boom"].output
    assert outcome.steps["use"].status == "succeeded"


async def test_on_error_route_follows_the_error_handle_only() -> None:
    outcome, _ = await execute(failing("route"))
    assert (statuses(outcome)["boom"], statuses(outcome)["use"]) == ("failed", "skipped")
    assert statuses(outcome)["recover"] == "succeeded"
    assert outcome.status == "succeeded"  # every failure was handled


async def test_a_retryable_failure_is_tried_max_attempts_times() -> None:
    doc = document(
        [
            {
                "id": "slow",
                "type": "delay",
                "config": {"seconds": 5},
                "timeout_s": 0.05,
                "retry": {"max_attempts": 3, "backoff_s": 0.01},
            }
        ],
        [("start", "slow")],
    )
    outcome, _ = await execute(doc)
    step = outcome.steps["slow"]
    assert (step.status, step.attempts, step.error and step.error.type) == ("failed", 3, "timeout")
    assert outcome.status == "failed"


async def test_the_run_deadline_times_the_run_out_and_cancels_its_steps() -> None:
    doc = document(
        [{"id": "slow", "type": "delay", "config": {"seconds": 10}}],
        [("start", "slow")],
        settings={"timeout_s": 0.1},
    )
    outcome, recorder = await execute(doc)
    assert outcome.status == "timed_out"
    assert outcome.error is not None and outcome.error.type == "timeout"
    assert recorder.transitions("slow") == ["running", "cancelled"]
    assert recorder.run_statuses() == ["running", "timed_out"]


async def test_cancellation_interrupts_the_running_steps() -> None:
    doc = document(
        [{"id": "slow", "type": "delay", "config": {"seconds": 30}}], [("start", "slow")]
    )
    cancel = asyncio.Event()
    asyncio.get_running_loop().call_later(0.1, cancel.set)
    outcome, recorder = await execute(doc, cancel=cancel)
    assert outcome.status == "cancelled"
    slow = [step for step in recorder.steps if step.node == "slow"][-1]
    assert (slow.status, slow.error and slow.error.type) == ("cancelled", "cancelled")


APPROVAL = document(
    [
        {"id": "review", "type": "approval", "config": {"message": "ok?"}},
        {"id": "yes", "type": "template", "config": {"template": "approved"}},
        {"id": "no", "type": "template", "config": {"template": "rejected"}},
    ],
    [("start", "review"), ("review", "yes", "approved"), ("review", "no", "rejected")],
)


async def test_an_approval_waits_and_a_resume_follows_the_decision() -> None:
    inbox = MemoryApprovalInbox()
    first, _ = await execute(APPROVAL, approvals=inbox)
    assert first.status == "waiting"
    assert first.steps["review"].status == "waiting"
    assert "yes" not in first.steps

    inbox.decide(RUN_ID, "review", approved=False, by="qa")
    deps = EngineDeps(recorder=MemoryRecorder(), approvals=inbox, node_types=NODE_TYPES)
    resumed = await RunExecution(APPROVAL, run_id=RUN_ID, deps=deps).execute(
        {}, started_at=datetime.now(UTC), previous=first.steps
    )
    assert resumed.status == "succeeded"
    assert (statuses(resumed)["yes"], statuses(resumed)["no"]) == ("skipped", "succeeded")
    assert (RUN_ID, "review") in inbox.asked


# -- the node types a run may use ---------------------------------------------------------


class ShoutConfig(NodeConfig):
    text: str


class Shout(NodeType[ShoutConfig]):
    """A type only this test knows: the engine finds it in the catalog it is given."""

    type = "shout"
    title = "Shout"
    description = "Upper-cases its text."
    icon = "megaphone"
    config_model = ShoutConfig

    async def execute(self, config: ShoutConfig, ctx: Any) -> Any:
        return config.text.upper()


SHOUTING = document(
    [{"id": "loud", "type": "shout", "config": {"text": "hello"}}],
    [("start", "loud")],
    output="{{ nodes.loud.output }}",
)


async def test_the_engine_runs_the_node_types_of_the_catalog_it_is_given() -> None:
    with_shout = {**NODE_TYPES, "shout": Shout()}
    outcome, _ = await execute(SHOUTING, node_types=with_shout)
    assert outcome.status == "succeeded"
    assert outcome.output == "HELLO"

    outcome, _ = await execute(SHOUTING)  # the product's catalog has no such type
    assert outcome.status == "failed"
    assert outcome.steps["loud"].error is not None
    assert "unknown node type 'shout'" in outcome.steps["loud"].error.message
