"""Join, skip propagation, parallelism, map ordering and subflows, on real storage."""

from __future__ import annotations

import itertools
from datetime import datetime

from tests.integration.conftest import workflow


def interval(step: dict) -> tuple[datetime, datetime]:  # type: ignore[type-arg]
    return (
        datetime.fromisoformat(step["started_at"]),
        datetime.fromisoformat(step["finished_at"]),
    )


def branching(n: int) -> dict:  # type: ignore[type-arg]
    return workflow(
        [
            {"id": "check", "type": "condition", "config": {"expression": "input.n > 5"}},
            {"id": "big", "type": "set", "config": {"values": {"size": "big"}}},
            {"id": "small", "type": "set", "config": {"values": {"size": "small"}}},
            {"id": "after_small", "type": "template", "config": {"template": "tiny"}},
            {
                "id": "join",
                "type": "template",
                "config": {"template": "{{ input.n }} done"},
            },
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


async def test_the_taken_branch_runs_the_other_is_skipped_and_the_join_runs(run_workflow):  # type: ignore[no-untyped-def]
    ran = await run_workflow(branching(7), {"n": 7})
    assert ran.view["status"] == "succeeded"
    assert ran.statuses() == {
        "start": "succeeded",
        "check": "succeeded",
        "big": "succeeded",
        "small": "skipped",
        "after_small": "skipped",  # skipping cascades to what only the skipped node feeds
        "join": "succeeded",  # one live incoming edge is enough once all are resolved
    }
    assert ran.step("check")["output"] == {"value": True}
    assert ran.view["output"] == "7 done"


async def test_the_other_input_takes_the_other_branch(run_workflow):  # type: ignore[no-untyped-def]
    ran = await run_workflow(branching(2), {"n": 2})
    statuses = ran.statuses()
    assert (statuses["big"], statuses["small"], statuses["after_small"]) == (
        "skipped",
        "succeeded",
        "succeeded",
    )


def fan_out(max_parallel: int) -> dict:  # type: ignore[type-arg]
    sleepers = [{"id": f"wait_{i}", "type": "delay", "config": {"seconds": 0.3}} for i in range(3)]
    return workflow(
        [*sleepers, {"id": "join", "type": "set", "config": {"values": {"done": True}}}],
        [("start", f"wait_{i}") for i in range(3)] + [(f"wait_{i}", "join") for i in range(3)],
        settings={"max_parallel": max_parallel},
    )


async def test_ready_nodes_run_in_parallel(run_workflow):  # type: ignore[no-untyped-def]
    ran = await run_workflow(fan_out(8))
    spans = [interval(ran.step(f"wait_{i}")) for i in range(3)]
    latest_start = max(start for start, _ in spans)
    earliest_end = min(end for _, end in spans)
    assert latest_start < earliest_end, "all three delays were running at the same moment"
    join_start, _ = interval(ran.step("join"))
    assert join_start >= max(end for _, end in spans)


async def test_max_parallel_one_runs_them_one_at_a_time(run_workflow):  # type: ignore[no-untyped-def]
    ran = await run_workflow(fan_out(1))
    spans = sorted(interval(ran.step(f"wait_{i}")) for i in range(3))
    for (_, previous_end), (next_start, _) in itertools.pairwise(spans):
        assert next_start >= previous_end


async def test_map_keeps_item_order_whatever_the_finishing_order(run_workflow):  # type: ignore[no-untyped-def]
    body = {
        "nodes": [
            {"id": "pause", "type": "delay", "config": {"seconds": "{{ item * 0.05 }}"}},
            {
                "id": "label",
                "type": "template",
                "config": {"template": "{{ index }}:{{ item }}:{{ input.tag }}"},
            },
        ],
        "edges": [{"source": "pause", "target": "label"}],
        "output": "{{ nodes.label.output }}",
    }
    document = workflow(
        [
            {
                "id": "each",
                "type": "map",
                "config": {"items": "input.items", "concurrency": 3, "subflow": body},
            }
        ],
        [("start", "each")],
        output="{{ nodes.each.output }}",
    )
    ran = await run_workflow(document, {"items": [4, 1, 3, 2], "tag": "t"})
    assert ran.view["status"] == "succeeded"
    assert ran.view["output"] == ["0:4:t", "1:1:t", "2:3:t", "3:2:t"]


async def test_an_inline_subflow_gets_its_own_input(run_workflow):  # type: ignore[no-untyped-def]
    body = {
        "nodes": [
            {"id": "double", "type": "set", "config": {"values": {"v": "{{ input.x * 2 }}"}}}
        ],
        "edges": [],
        "output": "{{ nodes.double.output.v }}",
    }
    document = workflow(
        [
            {
                "id": "child",
                "type": "subflow",
                "config": {"subflow": body, "input": {"x": "{{ input.n + 1 }}"}},
            }
        ],
        [("start", "child")],
        output={"result": "{{ nodes.child.output }}"},
    )
    ran = await run_workflow(document, {"n": 20})
    assert ran.view["output"] == {"result": 42}


async def test_without_an_output_template_the_sinks_are_the_output(run_workflow):  # type: ignore[no-untyped-def]
    document = branching(9)
    del document["output"]
    ran = await run_workflow(document, {"n": 9})
    assert ran.view["output"] == {"join": "9 done"}  # after_small was skipped: not an output
