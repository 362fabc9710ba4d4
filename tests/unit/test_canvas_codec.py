"""The document <-> React Flow codec: lossless both ways, and the auto-layout."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest

from agentflow.nodes.registry import NODE_TYPES
from agentflow.spec.canvas import (
    CANVAS_NODE_TYPE,
    auto_layout,
    from_canvas,
    layout_positions,
    node_handles,
    to_canvas,
)
from agentflow.spec.validation import validate_document
from tests.unit.spec.conftest import make_document


def through_json(value: Any) -> Any:
    """What the browser sends back: the canvas after a JSON round trip."""
    return json.loads(json.dumps(value))


def positioned(document: dict[str, Any]) -> dict[str, Any]:
    for index, node in enumerate(document["nodes"]):
        node["position"] = {"x": index * 300, "y": 40}
    return document


# -- round trips ---------------------------------------------------------------------------


def test_round_trip_of_a_valid_document() -> None:
    document = positioned(make_document())
    canvas = to_canvas(document, NODE_TYPES)
    assert from_canvas(canvas, document, NODE_TYPES) == document
    assert from_canvas(through_json(canvas), document, NODE_TYPES) == document


def test_canvas_shape_is_react_flow() -> None:
    document = positioned(make_document())
    canvas = to_canvas(document, NODE_TYPES)
    node = canvas["nodes"][2]
    assert node["id"] == "check"
    assert node["type"] == CANVAS_NODE_TYPE
    assert node["position"] == {"x": 600, "y": 40}
    assert node["data"]["node"] == document["nodes"][2]
    assert node["data"]["handles"] == ["true", "false"]
    edge = canvas["edges"][2]
    assert (edge["source"], edge["target"], edge["sourceHandle"]) == ("check", "reply", "true")
    assert len({edge["id"] for edge in canvas["edges"]}) == len(canvas["edges"])


def test_untouched_nodes_without_position_stay_without_one() -> None:
    document = make_document()  # no node has a position
    canvas = through_json(to_canvas(document, NODE_TYPES))
    assert all("position" in node for node in canvas["nodes"])
    assert from_canvas(canvas, document, NODE_TYPES) == document


def test_a_moved_node_gets_its_new_position() -> None:
    document = make_document()
    canvas = through_json(to_canvas(document, NODE_TYPES))
    canvas["nodes"][1]["position"] = {"x": 1234, "y": -16}
    result = from_canvas(canvas, document, NODE_TYPES)
    assert result["nodes"][1]["position"] == {"x": 1234, "y": -16}
    assert "position" not in result["nodes"][0]
    assert {k: v for k, v in result["nodes"][1].items() if k != "position"} == document["nodes"][1]


def test_unknown_fields_everywhere_survive() -> None:
    document = positioned(make_document())
    document["x-owner"] = {"team": "support"}
    document["settings"] = {"timeout_s": 60}
    document["description"] = "Triage"
    document["nodes"][1]["x-note"] = ["keep", {"me": 1}]
    document["nodes"][1]["retry"] = {"max_attempts": 3}
    document["nodes"][1]["on_error"] = "route"
    document["edges"][0]["x-color"] = "red"
    document["edges"][1]["source_handle"] = "out"  # explicit default stays explicit
    canvas = through_json(to_canvas(document, NODE_TYPES))
    assert from_canvas(canvas, document, NODE_TYPES) == document
    assert canvas["nodes"][1]["data"]["handles"] == ["out", "error"]


def test_invalid_documents_round_trip_too() -> None:
    document: dict[str, Any] = {
        "format": "agentflow/v1",
        "name": "Broken",
        "nodes": [
            {"id": "a", "type": "trigger", "position": "nowhere"},
            "not a node",
            {"type": "template", "config": {"template": "no id"}},
            {"id": "a", "type": "template", "config": {"template": "duplicate id"}},
            {"id": "b", "type": "no-such-type", "position": {"x": "1", "y": 2}},
            {"id": 7, "type": "set"},
        ],
        "edges": [
            {"source": "a", "target": "b", "source_handle": "nope"},
            {"source": "a"},
            42,
            {"source": "a", "target": "ghost"},
        ],
        "output": {"x": "{{ nodes.a.output }}"},
    }
    assert validate_document(document, NODE_TYPES)  # really invalid
    canvas = through_json(to_canvas(document, NODE_TYPES))
    keys = [node["id"] for node in canvas["nodes"]]
    assert len(keys) == len(set(keys)) == 5  # every object node is drawn, keys unique
    assert len(canvas["edges"]) == 2  # edges without two string ends cannot be drawn
    assert from_canvas(canvas, document, NODE_TYPES) == document


@pytest.mark.parametrize("nodes", [None, "oops", {"a": 1}])
def test_documents_without_a_node_list(nodes: Any) -> None:
    document: dict[str, Any] = {"format": "agentflow/v1", "name": "x"}
    if nodes is not None:
        document["nodes"] = nodes
    canvas = to_canvas(document, NODE_TYPES)
    assert canvas == {"nodes": [], "edges": []}
    assert from_canvas(canvas, document, NODE_TYPES) == document


def _random_document(rng: random.Random) -> dict[str, Any]:
    count = rng.randint(0, 12)
    ids = [f"n{i}" for i in range(count)]
    types = ["trigger", "llm", "condition", "switch", "set", "approval", "template", "bogus"]
    nodes: list[Any] = []
    for node_id in ids:
        node: dict[str, Any] = {"id": node_id, "type": rng.choice(types), "config": {}}
        if node["type"] == "switch":
            node["config"] = {"value": "input.x", "cases": [{"name": "a", "equals": 1}]}
        if rng.random() < 0.5:
            node["position"] = {"x": rng.randint(-500, 500), "y": rng.uniform(-500, 500)}
        if rng.random() < 0.2:
            node["name"] = rng.choice(["<b>bold</b>", "Étape 1", ""])
        if rng.random() < 0.2:
            node["on_error"] = rng.choice(["fail", "continue", "route"])
        if rng.random() < 0.1:
            node["x-extra"] = {"n": rng.random()}
        nodes.append(node)
    if rng.random() < 0.2:
        nodes.insert(rng.randint(0, len(nodes)), "junk")
    edges: list[Any] = []
    for _ in range(rng.randint(0, 2 * count)):
        if not ids:
            break
        edge: dict[str, Any] = {"source": rng.choice(ids), "target": rng.choice(ids)}
        if rng.random() < 0.5:
            edge["source_handle"] = rng.choice(["out", "true", "false", "a", "default", "error"])
        edges.append(edge)
    if rng.random() < 0.2:
        edges.append({"source": None})
    document: dict[str, Any] = {"format": "agentflow/v1", "name": "random", "nodes": nodes}
    if edges or rng.random() < 0.5:
        document["edges"] = edges
    return document


def test_round_trip_property_on_random_documents() -> None:
    rng = random.Random(20240601)
    for _ in range(300):
        document = _random_document(rng)
        original = copy.deepcopy(document)
        canvas = through_json(to_canvas(document, NODE_TYPES))
        assert from_canvas(canvas, document, NODE_TYPES) == document
        assert document == original  # nothing was mutated


# -- canvas edits --------------------------------------------------------------------------


def test_nodes_and_edges_added_on_the_canvas() -> None:
    document = positioned(make_document())
    canvas = through_json(to_canvas(document, NODE_TYPES))
    canvas["nodes"].append(
        {
            "id": "set_1",
            "position": {"x": 900, "y": 200},
            "data": {"node": {"id": "set_1", "type": "set", "config": {"values": {}}}},
        }
    )
    canvas["edges"].append(
        {"id": "x1", "source": "check", "target": "set_1", "sourceHandle": "false", "data": {}}
    )
    canvas["edges"].append({"id": "x2", "source": "start", "target": "set_1", "data": {}})
    result = from_canvas(canvas, document, NODE_TYPES)
    assert result["nodes"][-1] == {
        "id": "set_1",
        "type": "set",
        "config": {"values": {}},
        "position": {"x": 900, "y": 200},
    }
    assert result["edges"][-2] == {"source": "check", "target": "set_1", "source_handle": "false"}
    assert result["edges"][-1] == {"source": "start", "target": "set_1"}
    assert result["nodes"][:4] == document["nodes"]


def test_deleting_on_the_canvas_removes_from_the_document() -> None:
    document = positioned(make_document())
    canvas = through_json(to_canvas(document, NODE_TYPES))
    canvas["nodes"] = [node for node in canvas["nodes"] if node["id"] != "reply"]
    canvas["edges"] = [edge for edge in canvas["edges"] if edge["target"] != "reply"]
    result = from_canvas(canvas, document, NODE_TYPES)
    assert [node["id"] for node in result["nodes"]] == ["start", "classify", "check"]
    assert len(result["edges"]) == 2
    assert result["output"] == document["output"]  # document fields are kept


def test_changing_an_edge_handle() -> None:
    document = positioned(make_document())
    canvas = through_json(to_canvas(document, NODE_TYPES))
    canvas["edges"][2]["sourceHandle"] = "out"  # was explicit "true": stays explicit
    canvas["edges"][0]["sourceHandle"] = "error"
    result = from_canvas(canvas, document, NODE_TYPES)
    assert result["edges"][2]["source_handle"] == "out"
    assert result["edges"][0] == {"source": "start", "target": "classify", "source_handle": "error"}


# -- handles -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("node", "handles"),
    [
        ({"type": "trigger", "config": {}}, ["out"]),
        ({"type": "condition", "config": {"expression": "1"}}, ["true", "false"]),
        ({"type": "condition", "config": {}}, ["true", "false"]),  # not parsed yet
        ({"type": "approval", "config": {"message": "ok?"}}, ["approved", "rejected"]),
        (
            {"type": "switch", "config": {"value": "x", "cases": [{"name": "a", "equals": 1}]}},
            ["a", "default"],
        ),
        ({"type": "switch", "config": {"cases": [{"name": "b"}, {"x": 1}]}}, ["b", "default"]),
        ({"type": "set", "config": {"values": {}}, "on_error": "route"}, ["out", "error"]),
        ({"type": "nope", "on_error": "route"}, ["out", "error"]),
        ({"type": "llm", "config": "not a dict"}, ["out"]),
    ],
)
def test_node_handles(node: dict[str, Any], handles: list[str]) -> None:
    assert node_handles(node, NODE_TYPES) == handles


# -- layout --------------------------------------------------------------------------------


def _diamond() -> dict[str, Any]:
    return {
        "format": "agentflow/v1",
        "name": "diamond",
        "nodes": [
            {"id": "start", "type": "trigger"},
            {"id": "late", "type": "template", "config": {"template": "x"}},
            {"id": "cond", "type": "condition", "config": {"expression": "1"}},
            {"id": "yes", "type": "set", "config": {"values": {}}},
            {"id": "no", "type": "set", "config": {"values": {}}},
            {"id": "alone", "type": "set", "config": {"values": {}}},
        ],
        "edges": [
            {"source": "start", "target": "cond"},
            {"source": "cond", "target": "yes", "source_handle": "true"},
            {"source": "cond", "target": "no", "source_handle": "false"},
            {"source": "yes", "target": "late"},
            {"source": "no", "target": "late"},
        ],
    }


def test_layout_is_layered_left_to_right_by_depth() -> None:
    positions = layout_positions(_diamond(), NODE_TYPES)
    x = {key: position["x"] for key, position in positions.items()}
    assert x["start"] == x["alone"] == 0
    assert x["start"] < x["cond"] < x["yes"] == x["no"] < x["late"]
    assert positions["yes"]["y"] != positions["no"]["y"]
    assert all(value % 16 == 0 for p in positions.values() for value in p.values())


def test_layout_leaves_no_overlap_within_a_layer() -> None:
    positions = layout_positions(_diamond(), NODE_TYPES)
    yes, no = sorted((positions["yes"]["y"], positions["no"]["y"]))
    assert no - yes >= 76  # at least a node's height apart


def test_auto_layout_only_changes_positions() -> None:
    document = _diamond()
    document["nodes"][0]["position"] = {"x": 999, "y": 999}
    laid_out = auto_layout(document, NODE_TYPES)
    assert laid_out["nodes"][0]["position"] == {"x": 0, "y": laid_out["nodes"][0]["position"]["y"]}
    for before, after in zip(document["nodes"], laid_out["nodes"], strict=True):
        assert {k: v for k, v in after.items() if k != "position"} == {
            k: v for k, v in before.items() if k != "position"
        }
    assert laid_out["edges"] == document["edges"]
    assert document["nodes"][0]["position"] == {"x": 999, "y": 999}  # not mutated
    assert auto_layout(laid_out, NODE_TYPES) == laid_out  # stable


def test_layout_survives_cycles_and_dangling_edges() -> None:
    document = {
        "format": "agentflow/v1",
        "name": "loop",
        "nodes": [{"id": "a", "type": "trigger"}, {"id": "b"}, {"id": "c"}],
        "edges": [
            {"source": "a", "target": "b"},
            {"source": "b", "target": "c"},
            {"source": "c", "target": "b"},
            {"source": "c", "target": "ghost"},
        ],
    }
    positions = layout_positions(document, NODE_TYPES)
    assert set(positions) == {"a", "b", "c"}
    assert positions["b"]["x"] > positions["a"]["x"]


def test_layout_of_a_large_graph_is_quick() -> None:
    import time

    nodes = [{"id": "start", "type": "trigger"}] + [
        {"id": f"n{i}", "type": "set", "config": {"values": {}}} for i in range(1, 1000)
    ]
    edges = [
        {"source": "start" if i <= 10 else f"n{i - 10}", "target": f"n{i}"} for i in range(1, 1000)
    ]
    document = {"format": "agentflow/v1", "name": "big", "nodes": nodes, "edges": edges}
    started = time.perf_counter()
    laid_out = auto_layout(document, NODE_TYPES)
    canvas = to_canvas(laid_out, NODE_TYPES)
    assert from_canvas(canvas, laid_out, NODE_TYPES) == laid_out
    assert time.perf_counter() - started < 2
    assert len({(n["position"]["x"], n["position"]["y"]) for n in laid_out["nodes"]}) == 1000


def test_nodes_without_position_are_drawn_below_the_placed_ones() -> None:
    document = _diamond()
    document["nodes"][0]["position"] = {"x": 100, "y": 500}
    document["nodes"][2]["position"] = {"x": 420, "y": 480}
    canvas = to_canvas(document, NODE_TYPES)
    drawn = {node["id"]: node["position"] for node in canvas["nodes"]}
    assert drawn["start"] == {"x": 100, "y": 500}
    for key in ("late", "yes", "no", "alone"):
        assert drawn[key]["y"] >= 500 + 98, key  # below the placed nodes
        assert drawn[key]["x"] >= 100 - 16  # (snapped to the grid)
    assert from_canvas(through_json(canvas), document, NODE_TYPES) == document
