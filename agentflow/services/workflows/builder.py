"""What the visual builder needs beyond storage: the node palette, problems placed on
nodes, merging a canvas edit made on an older revision, and a run's states per node.

Framework-free: the builder's Reflex states call these and keep only UI state.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from agentflow.nodes.registry import NODE_TYPES
from agentflow.spec.canvas import canvas_keys, from_canvas, node_handles
from agentflow.spec.problems import Problem

ACTIVE_RUN_STATUSES = frozenset({"queued", "running", "waiting"})
MAX_DETAIL_CHARS = 20_000

# What a node dropped from the palette starts with: the required fields, empty, so
# the problems list says at once what is left to fill in.
STARTER_CONFIGS: dict[str, dict[str, Any]] = {
    "trigger": {"kind": "manual"},
    "llm": {"model": "openai/gpt-4o-mini", "prompt": ""},
    "http": {"method": "GET", "url": ""},
    "condition": {"expression": ""},
    "switch": {"value": "", "cases": []},
    "map": {"items": "", "subflow": {"nodes": [], "edges": []}},
    "subflow": {"workflow": ""},
    "template": {"template": ""},
    "set": {"values": {}},
    "delay": {"seconds": 1},
    "approval": {"message": ""},
}


def node_catalog() -> dict[str, dict[str, Any]]:
    """Every node type: title, one-line description, icon, starter config and its handles."""
    catalog = {}
    for name, node_type in NODE_TYPES.items():
        config = copy.deepcopy(STARTER_CONFIGS.get(name, {}))
        catalog[name] = {
            "title": node_type.title,
            "description": node_type.description,
            "icon": node_type.icon,
            "config": config,
            "handles": node_handles({"type": name, "config": config}, NODE_TYPES),
        }
    return catalog


def catalog_order() -> list[str]:
    return list(NODE_TYPES)


# -- problems ----------------------------------------------------------------------------


def _edge_source(label: str) -> str:
    return label.split("->", 1)[0].split(":", 1)[0]


def problem_node(problem: Problem, document: Mapping[str, Any]) -> str:
    """The canvas key of the node a problem concerns ("" for document-level problems).

    Problems inside a subflow body (``fan/inner``) belong to the owning node; an
    edge's problem to its source node; ``nodes[3]`` to the node at that index.
    """
    if problem.kind == "node":
        return problem.location.split("/", 1)[0]
    if problem.kind == "edge":
        return _edge_source(problem.location.split("/", 1)[0])
    location = problem.location
    if location.startswith("nodes[") and "]" in location:
        index = location[len("nodes[") : location.index("]")]
        if index.isdigit():
            nodes = document.get("nodes")
            keys = canvas_keys(nodes if isinstance(nodes, list) else [])
            return keys.get(int(index), "")
    return ""


def problems_by_node(
    problems: Sequence[Problem], document: Mapping[str, Any]
) -> dict[str, list[str]]:
    placed: dict[str, list[str]] = {}
    for problem in problems:
        node = problem_node(problem, document)
        if node:
            prefix = "" if problem.kind == "node" else f"{problem.kind} {problem.location}: "
            placed.setdefault(node, []).append(prefix + problem.message)
    return placed


def problem_rows(problems: Sequence[Problem], document: Mapping[str, Any]) -> list[dict[str, str]]:
    """One row per problem for the problems list; ``node`` selects it when clicked."""
    return [
        {
            "key": str(index),
            "where": f"{problem.kind} {problem.location}",
            "message": problem.message,
            "node": problem_node(problem, document),
        }
        for index, problem in enumerate(problems)
    ]


# -- canvas edits --------------------------------------------------------------------------


def merge_canvas(
    current: Mapping[str, Any], canvas: Mapping[str, Any], *, keep_positions: bool = False
) -> dict[str, Any]:
    """Apply a canvas graph made before the latest server-side edit (a form change it had
    not seen): structure and positions from the canvas, node content from ``current``.

    ``keep_positions``: the server moved nodes since (auto-layout), so nodes it knows
    keep the server's position; only new nodes take the canvas's.

    Sticky notes are only ever edited on the canvas, so they come from the canvas
    whole: text, position and size.
    """
    merged = from_canvas(canvas, current, NODE_TYPES)
    current_nodes = {
        node["id"]: node
        for node in current.get("nodes") or []
        if isinstance(node, Mapping) and isinstance(node.get("id"), str)
    }
    nodes = []
    for node in merged.get("nodes") or []:
        latest = current_nodes.get(node.get("id")) if isinstance(node, Mapping) else None
        if latest is not None:
            updated = {key: value for key, value in latest.items() if key != "position"}
            source = latest if keep_positions and "position" in latest else node
            if "position" in source:
                updated["position"] = source["position"]
            node = updated
        nodes.append(node)
    if "nodes" in merged:
        merged["nodes"] = nodes
    return merged


def node_index(document: Mapping[str, Any], key: str) -> int | None:
    """Index in ``document["nodes"]`` of the node the canvas calls ``key``."""
    nodes = document.get("nodes")
    for index, node_key in canvas_keys(nodes if isinstance(nodes, list) else []).items():
        if node_key == key:
            return index
    return None


def node_keys(document: Mapping[str, Any]) -> list[str]:
    nodes = document.get("nodes")
    keys = canvas_keys(nodes if isinstance(nodes, list) else [])
    return [keys[index] for index in sorted(keys)]


def canvas_node_data(node: Mapping[str, Any]) -> dict[str, Any]:
    return {"node": dict(node), "handles": node_handles(node, NODE_TYPES)}


# -- test runs -----------------------------------------------------------------------------


def sample_input(schema: Any, depth: int = 0) -> Any:
    """A value shaped like ``schema`` to prefill a test run's input."""
    if not isinstance(schema, Mapping) or depth > 6:
        return {} if depth == 0 else None
    for key in ("default", "const"):
        if key in schema:
            return copy.deepcopy(schema[key])
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        return copy.deepcopy(examples[0])
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return copy.deepcopy(enum[0])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    properties = schema.get("properties")
    if kind == "object" or (kind is None and isinstance(properties, Mapping)):
        return {
            name: sample_input(sub, depth + 1)
            for name, sub in (properties.items() if isinstance(properties, Mapping) else [])
        }
    simple = {"string": "", "number": 0, "integer": 0, "boolean": False, "array": [], "null": None}
    if isinstance(kind, str) and kind in simple:
        return copy.deepcopy(simple[kind])
    return {} if depth == 0 else None


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def step_duration_ms(step: Mapping[str, Any], now: datetime) -> float | None:
    started = _parse_time(step.get("started_at"))
    if started is None:
        return None
    finished = _parse_time(step.get("finished_at")) or now
    return max(0.0, (finished - started).total_seconds() * 1000)


def run_states(
    run: Mapping[str, Any], node_keys: Sequence[str], now: datetime
) -> dict[str, dict[str, Any]]:
    """Per node: status (a step's, or ``queued`` while the run is active), duration, attempts."""
    states: dict[str, dict[str, Any]] = {}
    for step in run.get("steps") or []:
        states[step["node"]] = {
            "status": step["status"],
            "duration_ms": step_duration_ms(step, now),
            "attempts": step.get("attempts", 0),
        }
    if run.get("status") in ACTIVE_RUN_STATUSES:
        for key in node_keys:
            states.setdefault(key, {"status": "queued", "duration_ms": None, "attempts": 0})
    return states


def _pretty(value: Any) -> str:
    if value is None:
        return ""
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    if len(text) > MAX_DETAIL_CHARS:
        text = text[:MAX_DETAIL_CHARS] + "\n… (truncated)"
    return text


def step_detail(step: Mapping[str, Any] | None, now: datetime) -> dict[str, str]:
    """A step as strings for the node panel: resolved input, output, error, usage."""
    if not step:
        return {}
    duration = step_duration_ms(step, now)
    error = step.get("error") or {}
    return {
        "node": str(step.get("node", "")),
        "status": str(step.get("status", "")),
        "attempts": str(step.get("attempts", 0)),
        "duration": "" if duration is None else f"{duration / 1000:.2f} s",
        "input": _pretty(step.get("input")),
        "output": _pretty(step.get("output")),
        "error_type": str(error.get("type", "")) if isinstance(error, Mapping) else "",
        "error_message": str(error.get("message", "")) if isinstance(error, Mapping) else "",
        "tokens": f"{step.get('prompt_tokens', 0)} in / {step.get('completion_tokens', 0)} out",
        "cost": f"${float(step.get('cost_usd') or 0):.6f}",
    }
