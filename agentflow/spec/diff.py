"""The semantic difference between two ``agentflow/v1`` documents.

What counts is what the engine executes: nodes are matched by id, edges by
``(source, source_handle, target)``. A node is *changed* when any of its fields
other than ``position`` differs; its changed fields are listed as ``name``,
``retry``, ``timeout_s``… and, for the config, one entry per changed config key
(``config.prompt``). Positions are ignored everywhere, so two documents that
differ only in where the canvas draws their nodes have an empty diff.
Workflow-level fields (``inputs``, ``settings``, ``output``, ``description``,
``name`` and any other top-level key) are compared too. Sticky notes are not
executed, but a changed text is worth seeing: ``notes`` is listed as a changed
workflow field when a note was added, removed, or its text or colour changed;
moving or resizing a note, like moving a node, is no change.

Pure functions: no I/O, usable from services, the API and tests alike. Drafts
may be invalid: malformed nodes and edges are skipped, duplicate ids count once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from agentflow.spec.canvas import to_canvas
from agentflow.spec.models import DEFAULT_HANDLE, edge_label
from agentflow.spec.node_types import NodeCatalog
from agentflow.spec.notes import NOTES_FIELD

IGNORED_NODE_FIELDS = frozenset({"id", "position"})
IGNORED_NOTE_FIELDS = frozenset({"position", "size"})
STRUCTURE_FIELDS = frozenset({"nodes", "edges", "format", NOTES_FIELD})

EdgeKey = tuple[str, str, str]  # (source, source_handle, target)


@dataclass(frozen=True)
class NodeRef:
    id: str
    type: str
    name: str


@dataclass(frozen=True)
class NodeChange:
    id: str
    type: str
    name: str
    fields: list[str]


@dataclass(frozen=True)
class EdgeRef:
    source: str
    target: str
    source_handle: str

    @property
    def label(self) -> str:
        return edge_label(self.source, self.target, self.source_handle)


@dataclass
class DocumentDiff:
    nodes_added: list[NodeRef] = field(default_factory=list)
    nodes_removed: list[NodeRef] = field(default_factory=list)
    nodes_changed: list[NodeChange] = field(default_factory=list)
    edges_added: list[EdgeRef] = field(default_factory=list)
    edges_removed: list[EdgeRef] = field(default_factory=list)
    workflow_fields: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.nodes_added
            or self.nodes_removed
            or self.nodes_changed
            or self.edges_added
            or self.edges_removed
            or self.workflow_fields
        )

    def summary(self) -> str:
        """One line: ``2 nodes added, 1 changed, 1 edge removed`` (or ``no changes``)."""
        parts = [
            _count(len(self.nodes_added), "node", "added"),
            _count(len(self.nodes_removed), "node", "removed"),
            _count(len(self.nodes_changed), "node", "changed"),
            _count(len(self.edges_added), "edge", "added"),
            _count(len(self.edges_removed), "edge", "removed"),
            _count(len(self.workflow_fields), "workflow field", "changed"),
        ]
        shown = [part for part in parts if part]
        return ", ".join(shown) if shown else "no changes"

    def lines(self) -> list[str]:
        """The diff as text, one change per line, prefixed ``+`` added, ``-`` removed,
        ``~`` changed."""
        out = [f"+ node {_node_text(n)}" for n in self.nodes_added]
        out += [f"- node {_node_text(n)}" for n in self.nodes_removed]
        out += [f"~ node {_node_text(n)}: {', '.join(n.fields)}" for n in self.nodes_changed]
        out += [f"+ edge {edge.label}" for edge in self.edges_added]
        out += [f"- edge {edge.label}" for edge in self.edges_removed]
        if self.workflow_fields:
            out.append(f"~ workflow: {', '.join(self.workflow_fields)}")
        return out

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("edges_added", "edges_removed"):
            for edge, ref in zip(data[key], getattr(self, key), strict=True):
                edge["label"] = ref.label
        return {**data, "empty": self.is_empty, "summary": self.summary(), "lines": self.lines()}


def _count(number: int, noun: str, verb: str) -> str:
    if not number:
        return ""
    return f"{number} {noun}{'s' if number != 1 else ''} {verb}"


def _node_text(node: NodeRef | NodeChange) -> str:
    named = f" “{node.name}”" if node.name and node.name != node.id else ""
    return f"{node.id} ({node.type}){named}"


def _nodes(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Node id -> node object, in document order; the first of duplicate ids wins."""
    nodes: dict[str, Mapping[str, Any]] = {}
    raw = document.get("nodes")
    for node in raw if isinstance(raw, list) else []:
        if isinstance(node, Mapping) and isinstance(node.get("id"), str):
            nodes.setdefault(node["id"], node)
    return nodes


def _edges(document: Mapping[str, Any]) -> dict[EdgeKey, EdgeRef]:
    edges: dict[EdgeKey, EdgeRef] = {}
    raw = document.get("edges")
    for edge in raw if isinstance(raw, list) else []:
        if not isinstance(edge, Mapping):
            continue
        source, target = edge.get("source"), edge.get("target")
        handle = edge.get("source_handle", DEFAULT_HANDLE)
        if isinstance(source, str) and isinstance(target, str) and isinstance(handle, str):
            edges.setdefault((source, handle, target), EdgeRef(source, target, handle))
    return edges


def _ref(node: Mapping[str, Any]) -> NodeRef:
    name = node.get("name")
    label = name if isinstance(name, str) else ""
    return NodeRef(str(node["id"]), str(node.get("type", "")), label)


def changed_node_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The fields that differ, position ignored; config differences per config key."""
    changed: list[str] = []
    for key in sorted((set(old) | set(new)) - IGNORED_NODE_FIELDS):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if key == "config" and isinstance(before, Mapping) and isinstance(after, Mapping):
            changed += [
                f"config.{name}"
                for name in sorted(set(before) | set(after))
                if before.get(name) != after.get(name)
            ]
        else:
            changed.append(key)
    return changed


def diff_documents(old: Mapping[str, Any], new: Mapping[str, Any]) -> DocumentDiff:
    """What changed from ``old`` to ``new``."""
    old_nodes, new_nodes = _nodes(old), _nodes(new)
    diff = DocumentDiff(
        nodes_added=[_ref(node) for key, node in new_nodes.items() if key not in old_nodes],
        nodes_removed=[_ref(node) for key, node in old_nodes.items() if key not in new_nodes],
    )
    for key, node in new_nodes.items():
        if key in old_nodes and (fields := changed_node_fields(old_nodes[key], node)):
            ref = _ref(node)
            diff.nodes_changed.append(NodeChange(ref.id, ref.type, ref.name, fields))
    old_edges, new_edges = _edges(old), _edges(new)
    diff.edges_added = [edge for key, edge in new_edges.items() if key not in old_edges]
    diff.edges_removed = [edge for key, edge in old_edges.items() if key not in new_edges]
    diff.workflow_fields = [
        key
        for key in sorted((set(old) | set(new)) - STRUCTURE_FIELDS)
        if old.get(key) != new.get(key)
    ]
    if _note_contents(old) != _note_contents(new):
        diff.workflow_fields = sorted([*diff.workflow_fields, NOTES_FIELD])
    return diff


def _note_contents(document: Mapping[str, Any]) -> list[Any]:
    """The notes without where and how large they are drawn (drafts may hold anything)."""
    raw = document.get(NOTES_FIELD)
    notes = raw if isinstance(raw, list) else []
    return [
        {k: v for k, v in note.items() if k not in IGNORED_NOTE_FIELDS}
        if isinstance(note, Mapping)
        else note
        for note in notes
    ]


def comparison_canvas(
    old: Mapping[str, Any], new: Mapping[str, Any], node_types: NodeCatalog
) -> dict[str, Any]:
    """A read-only canvas graph of ``new`` plus what ``old`` had and ``new`` lost, each
    node and edge marked in ``data.diff``: ``added``, ``removed``, ``changed`` or ``""``.

    Removed nodes are drawn where ``old`` had them.
    """
    diff = diff_documents(old, new)
    old_nodes = _nodes(old)
    removed_ids = {ref.id for ref in diff.nodes_removed}
    old_edges = _edges(old)
    removed_edges = {(e.source, e.source_handle, e.target) for e in diff.edges_removed}
    merged = {
        "nodes": [
            *_nodes(new).values(),
            *(node for key, node in old_nodes.items() if key in removed_ids),
        ],
        "edges": [
            *(_edge_object(ref) for ref in _edges(new).values()),
            *(_edge_object(ref) for key, ref in old_edges.items() if key in removed_edges),
        ],
    }
    marks = {ref.id: "added" for ref in diff.nodes_added}
    marks.update({ref.id: "removed" for ref in diff.nodes_removed})
    marks.update({change.id: "changed" for change in diff.nodes_changed})
    added_edges = {(e.source, e.source_handle, e.target) for e in diff.edges_added}
    canvas = to_canvas(merged, node_types)
    for node in canvas["nodes"]:
        node["data"]["diff"] = marks.get(node["id"], "")
        node["draggable"] = node["selectable"] = node["connectable"] = node["deletable"] = False
    for edge in canvas["edges"]:
        key = (edge["source"], edge["sourceHandle"], edge["target"])
        edge["data"]["diff"] = (
            "added" if key in added_edges else "removed" if key in removed_edges else ""
        )
        edge["id"] = f"diff-{edge['id']}"
    return canvas


def _edge_object(ref: EdgeRef) -> dict[str, str]:
    return {"source": ref.source, "target": ref.target, "source_handle": ref.source_handle}
