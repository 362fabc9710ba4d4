"""The builder's framework-free services: palette, problems on nodes, merging, runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from agentflow.nodes.registry import NODE_TYPES
from agentflow.services.workflows import builder
from agentflow.spec.canvas import to_canvas
from agentflow.spec.problems import Problem
from agentflow.spec.validation import validate_document
from tests.unit.spec.conftest import make_document


def test_the_catalog_has_every_node_type_with_palette_data() -> None:
    catalog = builder.node_catalog()
    assert list(catalog) == list(NODE_TYPES) == builder.catalog_order()
    for name, entry in catalog.items():
        assert entry["title"] and entry["description"] and entry["icon"], name
        assert entry["handles"], name
    assert catalog["condition"]["handles"] == ["true", "false"]
    assert catalog["approval"]["handles"] == ["approved", "rejected"]
    assert catalog["switch"]["handles"] == ["default"]


def test_starter_configs_only_miss_what_the_user_must_fill_in() -> None:
    for name, entry in builder.node_catalog().items():
        document = {
            "format": "agentflow/v1",
            "name": "x",
            "nodes": [
                {"id": "start", "type": "trigger"},
                {"id": "n", "type": name, "config": entry["config"]},
            ],
            "edges": [] if name == "trigger" else [{"source": "start", "target": "n"}],
        }
        problems = [p for p in validate_document(document, NODE_TYPES) if p.node == "n"]
        for problem in problems:  # only empty required strings, never unknown fields
            assert "must not be empty" in problem.message, (name, problem)


def test_problems_are_placed_on_their_node() -> None:
    document = make_document()
    document["nodes"].append({"type": "set"})
    problems = [
        Problem.at_node("classify", "config.model: is required"),
        Problem.at_node("fan/inner", "bad body node"),
        Problem.at_edge("check:true->reply", "no such handle"),
        Problem.at_edge("start->classify", "duplicate edge"),
        Problem.at_field("nodes[4]", "id: is required"),
        Problem.at_field("nodes", "the workflow has no trigger node"),
    ]
    placed = builder.problems_by_node(problems, document)
    assert placed == {
        "classify": ["config.model: is required"],
        "fan": ["bad body node"],
        "check": ["edge check:true->reply: no such handle"],
        "start": ["edge start->classify: duplicate edge"],
        "__node_4": ["field nodes[4]: id: is required"],
    }
    assert "__node_4" in {node["id"] for node in to_canvas(document, NODE_TYPES)["nodes"]}
    rows = builder.problem_rows(problems, document)
    assert [row["node"] for row in rows] == ["classify", "fan", "check", "start", "__node_4", ""]
    assert rows[-1]["where"] == "field nodes"


def test_merge_keeps_server_content_and_canvas_structure() -> None:
    document = make_document()
    stale_canvas = json.loads(json.dumps(to_canvas(document, NODE_TYPES)))
    # Meanwhile a form changed the prompt of classify, and the canvas moved it,
    # deleted reply and added a node.
    edited = json.loads(json.dumps(document))
    edited["nodes"][1]["config"]["prompt"] = "new prompt"
    stale_canvas["nodes"][1]["position"] = {"x": 5, "y": 6}
    stale_canvas["nodes"] = [n for n in stale_canvas["nodes"] if n["id"] != "reply"]
    stale_canvas["edges"] = [e for e in stale_canvas["edges"] if e["target"] != "reply"]
    stale_canvas["nodes"].append(
        {"id": "t", "position": {"x": 1, "y": 1}, "data": {"node": {"id": "t", "type": "set"}}}
    )
    merged = builder.merge_canvas(edited, stale_canvas)
    by_id = {node["id"]: node for node in merged["nodes"]}
    assert by_id["classify"]["config"]["prompt"] == "new prompt"
    assert by_id["classify"]["position"] == {"x": 5, "y": 6}
    assert "reply" not in by_id and "t" in by_id
    assert "position" not in by_id["start"]


def test_node_index_and_keys() -> None:
    document = make_document()
    assert builder.node_index(document, "check") == 2
    assert builder.node_index(document, "missing") is None
    assert builder.node_keys(document) == ["start", "classify", "check", "reply"]


def test_sample_input_follows_the_schema() -> None:
    schema = {
        "type": "object",
        "properties": {
            "ticket": {"type": "string"},
            "n": {"type": "integer"},
            "urgent": {"type": "boolean", "default": True},
            "tags": {"type": "array"},
            "kind": {"enum": ["bug", "billing"]},
            "customer": {"type": "object", "properties": {"email": {"type": ["null", "string"]}}},
            "example": {"type": "string", "examples": ["hello"]},
        },
    }
    assert builder.sample_input(schema) == {
        "ticket": "",
        "n": 0,
        "urgent": True,
        "tags": [],
        "kind": "bug",
        "customer": {"email": ""},
        "example": "hello",
    }
    assert builder.sample_input({}) == {}
    assert builder.sample_input(None) == {}
    assert builder.sample_input({"type": "string"}) == ""


def _run(status: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {"status": status, "steps": steps, "cost_usd": 0.0}


def test_run_states_mark_not_yet_started_nodes_queued_while_active() -> None:
    now = datetime(2026, 1, 1, 10, 0, 1, tzinfo=UTC)
    steps = [
        {
            "node": "start",
            "status": "succeeded",
            "attempts": 1,
            "started_at": "2026-01-01T10:00:00+00:00",
            "finished_at": "2026-01-01T10:00:00.250000+00:00",
        },
        {
            "node": "classify",
            "status": "running",
            "attempts": 2,
            "started_at": "2026-01-01T10:00:00.500000+00:00",
            "finished_at": None,
        },
    ]
    keys = ["start", "classify", "check"]
    states = builder.run_states(_run("running", steps), keys, now)
    assert states["start"] == {"status": "succeeded", "duration_ms": 250.0, "attempts": 1}
    assert states["classify"]["status"] == "running"
    assert states["classify"]["duration_ms"] == 500.0  # still counting
    assert states["check"]["status"] == "queued"
    finished = builder.run_states(_run("failed", steps), keys, now)
    assert "check" not in finished  # never reached


def test_step_detail_for_the_panel() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    step = {
        "node": "classify",
        "status": "failed",
        "attempts": 3,
        "started_at": "2026-01-01T00:00:00+00:00",
        "finished_at": "2026-01-01T00:00:01.500000+00:00",
        "input": {"prompt": "hi"},
        "output": None,
        "error": {"type": "llm.rate_limit", "message": "slow down"},
        "prompt_tokens": 10,
        "completion_tokens": 2,
        "cost_usd": 0.0001,
    }
    detail = builder.step_detail(step, now)
    assert detail["status"] == "failed"
    assert detail["attempts"] == "3"
    assert detail["duration"] == "1.50 s"
    assert json.loads(detail["input"]) == {"prompt": "hi"}
    assert detail["output"] == ""
    assert (detail["error_type"], detail["error_message"]) == ("llm.rate_limit", "slow down")
    assert detail["tokens"] == "10 in / 2 out"
    assert detail["cost"] == "$0.000100"
    assert builder.step_detail(None, now) == {}
    big = builder.step_detail({**step, "output": "x" * 50_000}, now)
    assert len(big["output"]) < 21_000 and big["output"].endswith("(truncated)")


def test_merge_after_an_auto_layout_keeps_the_server_positions() -> None:
    document = make_document()
    stale_canvas = json.loads(json.dumps(to_canvas(document, NODE_TYPES)))
    laid_out = json.loads(json.dumps(document))
    for index, node in enumerate(laid_out["nodes"]):
        node["position"] = {"x": 1000 + index, "y": 0}
    stale_canvas["edges"].append({"id": "x", "source": "check", "target": "start", "data": {}})
    stale_canvas["nodes"].append(
        {"id": "t", "position": {"x": 7, "y": 8}, "data": {"node": {"id": "t", "type": "set"}}}
    )
    merged = builder.merge_canvas(laid_out, stale_canvas, keep_positions=True)
    by_id = {node["id"]: node for node in merged["nodes"]}
    assert by_id["classify"]["position"] == {"x": 1001, "y": 0}  # the layout's
    assert by_id["t"]["position"] == {"x": 7, "y": 8}  # new on the canvas
    assert merged["edges"][-1] == {"source": "check", "target": "start"}  # the canvas's edit
