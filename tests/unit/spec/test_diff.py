"""The semantic diff of two documents: nodes and edges added, removed, changed."""

from __future__ import annotations

import copy
from typing import Any

from agentflow.nodes.registry import NODE_TYPES
from agentflow.spec.diff import comparison_canvas, diff_documents


def document() -> dict[str, Any]:
    return {
        "format": "agentflow/v1",
        "name": "Triage",
        "inputs": {"type": "object"},
        "nodes": [
            {
                "id": "start",
                "type": "trigger",
                "config": {"kind": "manual"},
                "position": {"x": 0, "y": 0},
            },
            {
                "id": "classify",
                "type": "llm",
                "name": "Classify",
                "config": {"model": "gpt-4o-mini", "prompt": "Classify {{ input.t }}"},
                "position": {"x": 300, "y": 0},
            },
            {
                "id": "reply",
                "type": "template",
                "config": {"template": "ok"},
                "position": {"x": 600, "y": 0},
            },
        ],
        "edges": [
            {"source": "start", "target": "classify"},
            {"source": "classify", "target": "reply"},
        ],
        "output": "{{ nodes.reply.output }}",
    }


def test_documents_that_differ_only_in_positions_have_an_empty_diff() -> None:
    old = document()
    new = copy.deepcopy(old)
    for index, node in enumerate(new["nodes"]):
        node["position"] = {"x": 1000 - 250 * index, "y": 40 * index}
    del new["nodes"][0]["position"]  # an absent position is a position too
    diff = diff_documents(old, new)
    assert diff.is_empty
    assert diff.lines() == []
    assert diff.summary() == "no changes"


def test_added_removed_and_changed_nodes_with_their_changed_config_fields() -> None:
    old = document()
    new = copy.deepcopy(old)
    new["nodes"][1]["config"]["prompt"] = "Classify carefully {{ input.t }}"
    new["nodes"][1]["config"]["temperature"] = 0.2
    new["nodes"][1]["retry"] = {"max_attempts": 3}
    new["nodes"][1]["position"] = {"x": 10, "y": 10}  # not a change
    del new["nodes"][2]
    new["nodes"].append({"id": "notify", "type": "http", "config": {"url": "https://x.test"}})
    new["edges"] = [
        {"source": "start", "target": "classify"},
        {"source": "classify", "target": "notify"},
    ]
    diff = diff_documents(old, new)
    assert [(n.id, n.type) for n in diff.nodes_added] == [("notify", "http")]
    assert [(n.id, n.type) for n in diff.nodes_removed] == [("reply", "template")]
    assert [(c.id, c.fields) for c in diff.nodes_changed] == [
        ("classify", ["config.prompt", "config.temperature", "retry"])
    ]
    assert [e.label for e in diff.edges_added] == ["classify->notify"]
    assert [e.label for e in diff.edges_removed] == ["classify->reply"]
    assert diff.workflow_fields == []
    assert diff.lines() == [
        "+ node notify (http)",
        "- node reply (template)",
        "~ node classify (llm) “Classify”: config.prompt, config.temperature, retry",
        "+ edge classify->notify",
        "- edge classify->reply",
    ]
    assert diff.summary() == (
        "1 node added, 1 node removed, 1 node changed, 1 edge added, 1 edge removed"
    )


def test_edges_are_matched_by_source_handle_and_target() -> None:
    old = document()
    new = copy.deepcopy(old)
    new["edges"][1]["source_handle"] = "error"
    diff = diff_documents(old, new)
    assert [e.label for e in diff.edges_added] == ["classify:error->reply"]
    assert [e.label for e in diff.edges_removed] == ["classify->reply"]
    # "out" written out or left to its default is the same edge
    explicit = copy.deepcopy(old)
    explicit["edges"][0]["source_handle"] = "out"
    assert diff_documents(old, explicit).is_empty


def test_workflow_level_fields_and_a_node_type_change() -> None:
    old = document()
    new = copy.deepcopy(old)
    new["output"] = "{{ nodes.classify.output.text }}"
    new["settings"] = {"timeout_s": 60}
    new["nodes"][2]["type"] = "set"
    new["nodes"][2]["config"] = {"values": {"a": "1"}}
    diff = diff_documents(old, new)
    assert diff.workflow_fields == ["output", "settings"]
    assert [(c.id, c.fields) for c in diff.nodes_changed] == [
        ("reply", ["config.template", "config.values", "type"])
    ]
    assert diff.lines()[-1] == "~ workflow: output, settings"


def test_invalid_drafts_do_not_break_the_diff() -> None:
    old = document()
    new = copy.deepcopy(old)
    new["nodes"].append("not a node")
    new["nodes"].append({"id": "classify", "type": "template"})  # a duplicate id: first wins
    new["edges"].append({"source": 3, "target": "reply"})
    assert diff_documents(old, new).is_empty
    assert diff_documents({}, new).nodes_added[0].id == "start"


def test_the_comparison_canvas_marks_each_node_and_edge() -> None:
    old = document()
    new = copy.deepcopy(old)
    new["nodes"][1]["config"]["prompt"] = "changed"
    del new["nodes"][2]
    new["nodes"].append({"id": "notify", "type": "template", "config": {"template": "n"}})
    new["edges"] = [
        {"source": "start", "target": "classify"},
        {"source": "classify", "target": "notify"},
    ]
    canvas = comparison_canvas(old, new, NODE_TYPES)
    marks = {node["id"]: node["data"]["diff"] for node in canvas["nodes"]}
    assert marks == {"start": "", "classify": "changed", "notify": "added", "reply": "removed"}
    removed = next(node for node in canvas["nodes"] if node["id"] == "reply")
    assert removed["position"] == {"x": 600, "y": 0}  # where the old version drew it
    assert all(node["draggable"] is False for node in canvas["nodes"])
    edges = {(e["source"], e["target"]): e["data"]["diff"] for e in canvas["edges"]}
    assert edges == {
        ("start", "classify"): "",
        ("classify", "notify"): "added",
        ("classify", "reply"): "removed",
    }
