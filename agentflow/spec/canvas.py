"""The one codec between an ``agentflow/v1`` document and React Flow's graph shape.

The builder's canvas works on React Flow nodes and edges; everything else
(storage, validation, the engine) works on the document. Only this module
converts between the two, so the engine never parses UI JSON.

Canvas shape (what :func:`to_canvas` gives and :func:`from_canvas` reads)::

    {"nodes": [{"id": <canvas key>, "type": "agentflow", "position": {"x", "y"},
                "data": {"node": <the document's node object, untouched>,
                         "handles": [<output handles>]}}],
     "edges": [{"id": "e0", "source": <key>, "target": <key>, "sourceHandle": "out",
                "data": {"edge": <the document's edge object, untouched>}}]}

Sticky notes (the document's optional ``notes``) travel as nodes of type ``note``,
listed first, keyed ``note:<id>``; :mod:`agentflow.spec.canvas_notes` converts them.
They are never workflow nodes: no handles, never in ``nodes``.

The canvas key is the node id, except for nodes whose id is missing, not a
string or used twice (the validator reports those; they must still show).
``data.handles`` is derived (from the node type, looked up in the catalog the caller
passes) and ignored on the way back.

Lossless: ``from_canvas(to_canvas(d, types), d, types) == d`` for every document, valid or
not. Node and edge objects travel inside ``data`` with all their fields, known
or not; a position is written back only when the canvas moved the node (an
untouched node keeps whatever ``position`` it had, even none); nodes and edges
the canvas cannot show (not objects, edges without string ends) are put back
at their original index; document-level fields come from the base document.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from agentflow.spec.canvas_geometry import valid_position
from agentflow.spec.canvas_notes import is_note_item, notes_from_canvas, notes_to_canvas
from agentflow.spec.models import DEFAULT_HANDLE, ERROR_HANDLE
from agentflow.spec.node_types import NodeCatalog, NodeConfigError

CANVAS_NODE_TYPE = "agentflow"
GRID = 16
LAYER_GAP_X = 320
NODE_GAP_Y = 40
# A node's drawn height: header, id line and the live run line (flow_canvas.jsx),
# then one row per output handle; approvals grow Approve/Reject buttons while waiting.
NODE_BASE_HEIGHT = 96
HANDLE_ROW_HEIGHT = 22
APPROVAL_BUTTONS_HEIGHT = 32

Canvas = dict[str, list[dict[str, Any]]]


# -- handles -----------------------------------------------------------------------------


def node_handles(raw_node: Mapping[str, Any], node_types: NodeCatalog) -> list[str]:
    """The output handles edges may leave ``raw_node`` from, as the validator sees them.

    When the config does not parse yet (a node being edited), a best effort:
    switch case names from the raw list, the type's fixed handles otherwise.
    """
    node_type = node_types.get(str(raw_node.get("type")))
    route = raw_node.get("on_error") == "route"
    if node_type is None:
        handles = [DEFAULT_HANDLE]
    else:
        config = raw_node.get("config")
        config = config if isinstance(config, Mapping) else {}
        try:
            return node_type.all_handles(
                node_type.parse_config(config), "route" if route else "fail"
            )
        except NodeConfigError:
            handles = _fallback_handles(node_type.type, config, node_type)
    return [*handles, ERROR_HANDLE] if route else handles


def _fallback_handles(type_name: str, config: Mapping[str, Any], node_type: Any) -> list[str]:
    if type_name == "switch":
        cases = config.get("cases")
        names = [
            case["name"]
            for case in (cases if isinstance(cases, list) else [])
            if isinstance(case, Mapping) and isinstance(case.get("name"), str) and case["name"]
        ]
        return [*dict.fromkeys(names), "default"]
    try:
        return list(node_type.handles(node_type.config_model.model_construct()))
    except Exception:  # a type whose handles need a parsed config
        return [DEFAULT_HANDLE]


# -- helpers -----------------------------------------------------------------------------


def _node_list(document: Mapping[str, Any], key: str) -> list[Any]:
    value = document.get(key)
    return value if isinstance(value, list) else []


def canvas_keys(nodes: list[Any]) -> dict[int, str]:
    """Index of each node object in ``nodes`` -> its unique canvas key."""
    keys: dict[int, str] = {}
    used: set[str] = set()
    for index, node in enumerate(nodes):
        if not isinstance(node, Mapping):
            continue
        node_id = node.get("id")
        key = node_id if isinstance(node_id, str) and node_id and node_id not in used else ""
        if not key:
            key = f"__node_{index}"
            while key in used:
                key += "_"
        used.add(key)
        keys[index] = key
    return keys


def _edge_is_drawable(edge: Any) -> bool:
    return (
        isinstance(edge, Mapping)
        and isinstance(edge.get("source"), str)
        and isinstance(edge.get("target"), str)
        and isinstance(edge.get("source_handle", DEFAULT_HANDLE), str)
    )


# -- document -> canvas --------------------------------------------------------------------


def to_canvas(document: Mapping[str, Any], node_types: NodeCatalog) -> Canvas:
    """React Flow nodes and edges for ``document`` (see the module docstring)."""
    nodes = _node_list(document, "nodes")
    keys = canvas_keys(nodes)
    defaults: dict[str, dict[str, float]] | None = None
    canvas_nodes = []
    for index, key in keys.items():
        node = nodes[index]
        position = valid_position(node.get("position"))
        if position is None:
            if defaults is None:
                defaults = default_positions(document, node_types)
            position = defaults.get(key, {"x": 0, "y": 0})
        canvas_nodes.append(
            {
                "id": key,
                "type": CANVAS_NODE_TYPE,
                "position": position,
                "data": {"node": dict(node), "handles": node_handles(node, node_types)},
            }
        )
    canvas_edges = []
    for index, edge in enumerate(_node_list(document, "edges")):
        if not _edge_is_drawable(edge):
            continue
        canvas_edges.append(
            {
                "id": f"e{index}",
                "source": edge["source"],
                "target": edge["target"],
                "sourceHandle": edge.get("source_handle", DEFAULT_HANDLE),
                "data": {"edge": dict(edge)},
            }
        )
    note_nodes = notes_to_canvas(document, keys.values())
    return {"nodes": [*note_nodes, *canvas_nodes], "edges": canvas_edges}


# -- canvas -> document --------------------------------------------------------------------


def from_canvas(
    canvas: Mapping[str, Any], base_document: Mapping[str, Any], node_types: NodeCatalog
) -> dict[str, Any]:
    """The document ``base_document`` becomes with the canvas's nodes and edges."""
    base_nodes = _node_list(base_document, "nodes")
    base_keys = canvas_keys(base_nodes)
    base_by_key = {key: base_nodes[index] for index, key in base_keys.items()}
    defaults: dict[str, dict[str, float]] | None = None
    id_of_key: dict[str, Any] = {}
    nodes: list[Any] = []
    items = canvas.get("nodes") or []
    for item in items:
        if is_note_item(item):
            continue
        key = str(item["id"])
        data = item.get("data") or {}
        original = data.get("node")
        node = dict(original) if isinstance(original, Mapping) else {"id": key}
        id_of_key[key] = node.get("id", key)
        position = valid_position(item.get("position")) or {"x": 0, "y": 0}
        base = base_by_key.get(key)
        drawn_at: dict[str, float] | None = None
        if base is not None and base.get("id", key) == node.get("id", key):
            drawn_at = valid_position(base.get("position"))
            if drawn_at is None:
                if defaults is None:
                    defaults = default_positions(base_document, node_types)
                drawn_at = defaults.get(key)
        if drawn_at is None or drawn_at != position:
            node["position"] = position
        elif base is not None:  # not moved: keep the original (even an absent) position
            if "position" in base:
                node["position"] = base["position"]
            else:
                node.pop("position", None)
        nodes.append(node)
    _restore_hidden(nodes, base_nodes, lambda item: isinstance(item, Mapping))

    edges: list[Any] = []
    for item in canvas.get("edges") or []:
        data = item.get("data") or {}
        original = data.get("edge")
        edge = dict(original) if isinstance(original, Mapping) else {}
        edge["source"] = id_of_key.get(item["source"], item["source"])
        edge["target"] = id_of_key.get(item["target"], item["target"])
        handle = item.get("sourceHandle") or DEFAULT_HANDLE
        if "source_handle" in edge or handle != DEFAULT_HANDLE:
            edge["source_handle"] = handle
        edges.append(edge)
    base_edges = _node_list(base_document, "edges")
    _restore_hidden(edges, base_edges, _edge_is_drawable)

    document = dict(base_document)
    for key, value in (("nodes", nodes), ("edges", edges)):
        if value or isinstance(base_document.get(key), list):
            document[key] = value
    document.update(notes_from_canvas(filter(is_note_item, items), base_document))
    return document


def _restore_hidden(items: list[Any], base_items: list[Any], shown: Any) -> None:
    """Put back, at their original index, the base items the canvas could not show."""
    for index, item in enumerate(base_items):
        if not shown(item):
            items.insert(min(index, len(items)), item)


# -- layout --------------------------------------------------------------------------------


def default_positions(
    document: Mapping[str, Any], node_types: NodeCatalog
) -> dict[str, dict[str, float]]:
    """Where the canvas draws nodes that have no valid position: laid out by
    :func:`layout_positions`, below the nodes that do have one (so none overlap)."""
    layout = layout_positions(document, node_types)
    nodes = _node_list(document, "nodes")
    keys = canvas_keys(nodes)
    placed = [
        (position, _node_height(nodes[index], node_types))
        for index, key in keys.items()
        if (position := valid_position(nodes[index].get("position"))) is not None
    ]
    missing = [
        key for index, key in keys.items() if valid_position(nodes[index].get("position")) is None
    ]
    if not placed or not missing:
        return layout
    bottom = max(position["y"] + height for position, height in placed)
    left = min(position["x"] for position, _ in placed)
    top = min(layout[key]["y"] for key in missing)
    first = min(layout[key]["x"] for key in missing)
    return {
        key: {
            "x": _snap(layout[key]["x"] - first + left),
            "y": _snap(layout[key]["y"] - top + bottom + 2 * NODE_GAP_Y),
        }
        for key in missing
    }


def _node_height(node: Mapping[str, Any], node_types: NodeCatalog) -> int:
    extra = APPROVAL_BUTTONS_HEIGHT if node.get("type") == "approval" else 0
    return NODE_BASE_HEIGHT + HANDLE_ROW_HEIGHT * len(node_handles(node, node_types)) + extra


def layout_positions(
    document: Mapping[str, Any], node_types: NodeCatalog
) -> dict[str, dict[str, float]]:
    """Canvas key -> position, layered left to right by depth (longest path from a source).

    Within a layer nodes are ordered by the mean row of their predecessors (fewer
    crossings), then by document order; each layer is centred on y = 0. Nodes on a
    cycle (invalid, but drafts may have one) go one layer past the deepest node.
    """
    nodes = _node_list(document, "nodes")
    keys = canvas_keys(nodes)
    order = [keys[index] for index in sorted(keys)]
    node_of = {keys[index]: nodes[index] for index in keys}
    key_of_id: dict[str, str] = {}
    for key in order:
        node_id = node_of[key].get("id")
        if isinstance(node_id, str):
            key_of_id.setdefault(node_id, key)
    predecessors: dict[str, list[str]] = defaultdict(list)
    successors: dict[str, list[str]] = defaultdict(list)
    for edge in _node_list(document, "edges"):
        if not _edge_is_drawable(edge):
            continue
        source, target = key_of_id.get(edge["source"]), key_of_id.get(edge["target"])
        if source and target and source != target and target not in successors[source]:
            successors[source].append(target)
            predecessors[target].append(source)

    depth = _depths(order, predecessors, successors)
    layers: dict[int, list[str]] = defaultdict(list)
    for key in order:
        layers[depth[key]].append(key)
    index_of = {key: index for index, key in enumerate(order)}
    row: dict[str, float] = {}
    positions: dict[str, dict[str, float]] = {}
    for layer in sorted(layers):
        members = layers[layer]
        members.sort(key=lambda k: _barycentre(k, predecessors, row, index_of[k]))
        heights = [_node_height(node_of[k], node_types) for k in members]
        total = sum(heights) + NODE_GAP_Y * (len(members) - 1)
        y = -total / 2
        for rank, (key, height) in enumerate(zip(members, heights, strict=True)):
            row[key] = rank
            positions[key] = {"x": layer * LAYER_GAP_X, "y": _snap(y)}
            y += height + NODE_GAP_Y
    return positions


def _depths(
    order: list[str], predecessors: dict[str, list[str]], successors: dict[str, list[str]]
) -> dict[str, int]:
    remaining = {key: len(predecessors[key]) for key in order}
    depth = {key: 0 for key in order}
    ready = [key for key in order if remaining[key] == 0]
    done: set[str] = set()
    while ready:
        key = ready.pop(0)
        done.add(key)
        for successor in successors[key]:
            depth[successor] = max(depth[successor], depth[key] + 1)
            remaining[successor] -= 1
            if remaining[successor] == 0:
                ready.append(successor)
    deepest = max((depth[key] for key in done), default=-1)
    for key in order:
        if key not in done:  # on or behind a cycle
            depth[key] = deepest + 1
    return depth


def _barycentre(
    key: str, predecessors: dict[str, list[str]], row: dict[str, float], index: int
) -> tuple[float, int]:
    placed = [row[p] for p in predecessors[key] if p in row]
    return (sum(placed) / len(placed) if placed else math.inf, index)


def _snap(value: float) -> int:
    return int(round(value / GRID) * GRID)


def auto_layout(document: Mapping[str, Any], node_types: NodeCatalog) -> dict[str, Any]:
    """``document`` with every node placed by :func:`layout_positions`."""
    positions = layout_positions(document, node_types)
    nodes = _node_list(document, "nodes")
    keys = canvas_keys(nodes)
    placed: list[Any] = []
    for index, node in enumerate(nodes):
        if index in keys:
            node = {**node, "position": positions[keys[index]]}
        placed.append(node)
    if not isinstance(document.get("nodes"), list):
        return dict(document)
    return {**document, "nodes": placed}
