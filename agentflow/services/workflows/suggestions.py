"""Autocomplete for template and expression fields: the names a node may use.

``input.*`` from the workflow's inputs schema, ``env.*`` from the secret names
the document already uses, ``nodes.<id>.output`` (and its known keys) for every
node upstream of the edited one, and ``run.*``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from agentflow.spec.graph import Graph
from agentflow.spec.node_types import string_leaves

Suggestion = dict[str, str]

ENV_NAME = re.compile(r"\benv\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*['\"]([^'\"]+)['\"]\s*\])")
MAX_INPUT_DEPTH = 3

# Keys of each type's output, for `nodes.<id>.output.<key>` (see docs/nodes.md).
OUTPUT_KEYS: dict[str, list[str]] = {
    "llm": ["text", "json", "model", "usage", "cost_usd"],
    "http": ["status", "headers", "body"],
    "condition": ["value"],
    "switch": ["value", "case"],
    "delay": ["waited_s"],
    "approval": ["approved", "by", "comment"],
    "knowledge": ["chunks"],
}


def _input_paths(schema: Any, prefix: str, depth: int) -> Iterator[Suggestion]:
    if not isinstance(schema, Mapping) or depth > MAX_INPUT_DEPTH:
        return
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return
    for name, sub in properties.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(name)):
            continue
        path = f"{prefix}.{name}"
        kind = sub.get("type") if isinstance(sub, Mapping) else None
        yield {"insert": path, "detail": f"input ({kind})" if isinstance(kind, str) else "input"}
        yield from _input_paths(sub, path, depth + 1)


def env_names(document: Mapping[str, Any]) -> list[str]:
    """Secret names the document's templates and expressions already use, sorted."""
    names: set[str] = set()
    for node in document.get("nodes") or []:
        if isinstance(node, Mapping):
            for _, text in string_leaves(node.get("config"), "config"):
                for match in ENV_NAME.finditer(text):
                    names.add(match.group(1) or match.group(2))
    for _, text in string_leaves(document.get("output"), "output"):
        for match in ENV_NAME.finditer(text):
            names.add(match.group(1) or match.group(2))
    return sorted(names)


def _node_outputs(node: Mapping[str, Any], schema: Any) -> Iterator[Suggestion]:
    node_id, node_type = node["id"], str(node.get("type"))
    base = f"nodes.{node_id}.output"
    yield {"insert": base, "detail": f"{node_type} output"}
    keys = list(OUTPUT_KEYS.get(node_type, []))
    if node_type == "set":
        values = (node.get("config") or {}).get("values")
        keys = [str(key) for key in values] if isinstance(values, Mapping) else []
    for key in keys:
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            yield {"insert": f"{base}.{key}", "detail": node_type}
    if node_type == "trigger":
        for item in _input_paths(schema, base, 1):
            yield {"insert": item["insert"], "detail": "trigger (run input)"}


def suggestions(document: Mapping[str, Any], node_id: str | None) -> list[Suggestion]:
    """What a field of ``node_id`` may reference; every node when ``node_id`` is None
    (the workflow's ``output``)."""
    schema = document.get("inputs")
    items: list[Suggestion] = [{"insert": "input", "detail": "the run input"}]
    items += _input_paths(schema, "input", 1)
    items += [{"insert": f"env.{name}", "detail": "secret"} for name in env_names(document)]
    nodes = [
        node
        for node in document.get("nodes") or []
        if isinstance(node, Mapping) and isinstance(node.get("id"), str)
    ]
    edges = [
        (edge["source"], edge["target"])
        for edge in document.get("edges") or []
        if isinstance(edge, Mapping)
        and isinstance(edge.get("source"), str)
        and isinstance(edge.get("target"), str)
    ]
    if node_id is None:
        visible = {node["id"] for node in nodes}
    else:
        visible = set(Graph((node["id"] for node in nodes), edges).upstream(node_id))
    for node in nodes:
        if node["id"] in visible and node["id"] != node_id:
            items += _node_outputs(node, schema)
    items += [
        {"insert": "run.id", "detail": "this run's id"},
        {"insert": "run.started_at", "detail": "when the run started"},
    ]
    unique: dict[str, Suggestion] = {}
    for item in items:
        unique.setdefault(item["insert"], item)
    return list(unique.values())
