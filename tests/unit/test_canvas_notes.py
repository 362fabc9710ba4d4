"""Sticky notes through the canvas codec: drawn as `note` nodes beside the workflow's,
written back losslessly, edited and added on the canvas, merged with a stale canvas."""

from __future__ import annotations

import copy
import json
from typing import Any

from agentflow.nodes.registry import NODE_TYPES
from agentflow.services.workflows import builder
from agentflow.spec.canvas import auto_layout, from_canvas, to_canvas
from agentflow.spec.canvas_notes import DEFAULT_NOTE_SIZE, NOTE_NODE_TYPE
from agentflow.spec.validation import validate_document
from tests.unit.spec.conftest import make_document


def through_json(value: Any) -> Any:
    return json.loads(json.dumps(value))


def with_notes() -> dict[str, Any]:
    document = make_document()
    document["notes"] = [
        {"id": "why", "text": "Bugs go to the tracker", "position": {"x": 10, "y": -200}},
        {
            "id": "todo",
            "text": "",
            "position": {"x": 400, "y": -200},
            "size": {"width": 320, "height": 96},
            "color": "blue",
            "x-owner": "ops",
        },
    ]
    return document


def note_items(canvas: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in canvas["nodes"] if item["type"] == NOTE_NODE_TYPE]


def test_notes_are_drawn_first_as_note_nodes_without_handles() -> None:
    document = with_notes()
    canvas = to_canvas(document, NODE_TYPES)
    assert [item["id"] for item in canvas["nodes"]] == [
        "note:why",
        "note:todo",
        "start",
        "classify",
        "check",
        "reply",
    ]
    why, todo = note_items(canvas)
    assert why["position"] == {"x": 10, "y": -200}
    assert (why["width"], why["height"]) == (240, 160)  # the default size
    assert (todo["width"], todo["height"]) == (320, 96)
    assert why["data"] == {"note": document["notes"][0]}
    assert "handles" not in why["data"] and why["connectable"] is False
    assert all(edge["source"] != "note:why" for edge in canvas["edges"])


def test_notes_round_trip_losslessly() -> None:
    document = with_notes()
    canvas = through_json(to_canvas(document, NODE_TYPES))
    assert from_canvas(canvas, document, NODE_TYPES) == document


def test_a_document_without_notes_gets_none() -> None:
    document = make_document()
    canvas = through_json(to_canvas(document, NODE_TYPES))
    assert "notes" not in from_canvas(canvas, document, NODE_TYPES)
    document["notes"] = []
    assert from_canvas(canvas, document, NODE_TYPES)["notes"] == []


def test_moving_resizing_and_writing_on_the_canvas() -> None:
    document = with_notes()
    canvas = through_json(to_canvas(document, NODE_TYPES))
    why, todo = note_items(canvas)
    why["position"] = {"x": 32, "y": -208}
    why["data"]["note"]["text"] = "Bugs **and** crashes"
    todo["width"], todo["height"] = 480, 240
    result = from_canvas(canvas, document, NODE_TYPES)
    assert result["notes"][0] == {
        "id": "why",
        "text": "Bugs **and** crashes",
        "position": {"x": 32, "y": -208},
    }  # its size was not touched: still none
    assert result["notes"][1]["size"] == {"width": 480, "height": 240}
    assert result["notes"][1]["x-owner"] == "ops"
    assert result["nodes"] == document["nodes"] and result["edges"] == document["edges"]


def test_a_note_added_and_one_deleted_on_the_canvas() -> None:
    document = with_notes()
    canvas = through_json(to_canvas(document, NODE_TYPES))
    canvas["nodes"] = [item for item in canvas["nodes"] if item["id"] != "note:todo"]
    canvas["nodes"].insert(
        1,
        {
            "id": "note:note_x1",
            "type": "note",
            "position": {"x": 0, "y": 400},
            **DEFAULT_NOTE_SIZE,
            "data": {"note": {"id": "note_x1", "text": "new"}},
        },
    )
    result = from_canvas(canvas, document, NODE_TYPES)
    assert [n["id"] for n in result["notes"]] == ["why", "note_x1"]
    assert result["notes"][1] == {
        "id": "note_x1",
        "text": "new",
        "position": {"x": 0, "y": 400},
        "size": DEFAULT_NOTE_SIZE,
    }
    assert [n["id"] for n in result["nodes"]] == ["start", "classify", "check", "reply"]
    assert validate_document(result, NODE_TYPES) == []


def test_malformed_notes_survive_a_round_trip() -> None:
    document = make_document()
    document["notes"] = [
        "junk",
        {"id": "a", "text": 5, "position": "nowhere", "size": {"width": -1}},
        {"id": "a", "text": "same id"},
        {"id": 3},
        {"text": "no id"},
    ]
    assert validate_document(document, NODE_TYPES)  # really invalid
    canvas = through_json(to_canvas(document, NODE_TYPES))
    assert [item["id"] for item in note_items(canvas)] == ["note:a"]  # only one is drawable
    assert note_items(canvas)[0]["position"] == {"x": 0, "y": 0}
    assert from_canvas(canvas, document, NODE_TYPES) == document


def test_note_keys_never_collide_with_node_keys() -> None:
    document = make_document()
    document["nodes"].append({"id": "note:a", "type": "set"})  # an invalid id, drawn anyway
    document["notes"] = [{"id": "a", "text": "", "position": {"x": 0, "y": 0}}]
    canvas = through_json(to_canvas(document, NODE_TYPES))
    keys = [item["id"] for item in canvas["nodes"]]
    assert len(keys) == len(set(keys))
    assert from_canvas(canvas, document, NODE_TYPES) == document


def test_auto_layout_leaves_notes_alone() -> None:
    document = with_notes()
    laid_out = auto_layout(document, NODE_TYPES)
    assert laid_out["notes"] == document["notes"]


def test_a_stale_canvas_brings_its_notes_and_the_server_keeps_node_settings() -> None:
    document = with_notes()
    stale_canvas = through_json(to_canvas(document, NODE_TYPES))
    edited = copy.deepcopy(document)
    edited["nodes"][1]["config"]["prompt"] = "new prompt"  # a form edit the canvas missed
    why = note_items(stale_canvas)[0]
    why["data"]["note"]["text"] = "written meanwhile"
    why["position"] = {"x": 64, "y": 64}
    merged = builder.merge_canvas(edited, stale_canvas, keep_positions=True)
    assert merged["nodes"][1]["config"]["prompt"] == "new prompt"
    assert merged["notes"][0]["text"] == "written meanwhile"
    assert merged["notes"][0]["position"] == {"x": 64, "y": 64}
    assert merged["notes"][1] == document["notes"][1]


def test_notes_are_no_nodes_for_the_builder() -> None:
    document = with_notes()
    assert builder.node_keys(document) == ["start", "classify", "check", "reply"]
    assert builder.node_index(document, "note:why") is None
