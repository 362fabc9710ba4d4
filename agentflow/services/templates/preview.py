"""A read-only picture of a workflow: boxes and curves for a static SVG.

The gallery shows a template's graph without loading the builder's canvas: the
nodes are placed by the canvas's own auto-layout (:func:`layout_positions`), so
the preview and the builder agree on the picture, and drawn at a smaller size.
Labels are data: the page renders them as SVG text, never as markup. The picture is
drawn at most at its natural size (one unit, one pixel) and shrunk to fit the page
down to ``MIN_SCALE``, so labels stay readable; a wider graph scrolls sideways.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentflow.nodes.registry import NODE_TYPES
from agentflow.spec.canvas import LAYER_GAP_X, canvas_keys, layout_positions

BOX_WIDTH = 180
BOX_HEIGHT = 52
PADDING = 16
MAX_LABEL = 19
# The builder's layout leaves room for full-size nodes; the preview's boxes are
# smaller, so its layers and rows are drawn closer together (keeping the order).
SCALE_X = (BOX_WIDTH + 72) / LAYER_GAP_X
SCALE_Y = 0.6
# Curves leave a box's right side and enter the next one's left side.
CURVE = 40
MIN_SCALE = 0.7

TYPE_COLORS = {
    "trigger": "#16a34a",
    "llm": "#7c3aed",
    "http": "#2563eb",
    "condition": "#d97706",
    "switch": "#d97706",
    "map": "#0891b2",
    "subflow": "#0891b2",
    "approval": "#db2777",
    "knowledge": "#4f46e5",
}
DEFAULT_COLOR = "#64748b"


def _label(node: Mapping[str, Any]) -> str:
    text = str(node.get("name") or node.get("id") or "?")
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def preview(document: Mapping[str, Any]) -> dict[str, Any]:
    """``{"view_box", "width", "height", "min_width", "nodes", "edges"}``, all strings,
    ready for ``rx.foreach``: each node has ``x``, ``y`` (its box), ``tx``,
    ``label_y``, ``type_y`` (its text lines), ``label``, ``type``, ``color``; each
    edge has ``d`` (an SVG path) and ``label``, ``lx``, ``ly`` (its handle's name when
    it is not ``out``, drawn near the source)."""
    nodes = [node for node in document.get("nodes") or [] if isinstance(node, Mapping)]
    if not nodes:
        return {
            "view_box": "0 0 1 1",
            "width": "1",
            "height": "1",
            "min_width": "1",
            "nodes": [],
            "edges": [],
        }
    layout = layout_positions({"nodes": nodes, "edges": document.get("edges") or []}, NODE_TYPES)
    keys = canvas_keys(nodes)
    position = {
        key: {"x": round(layout[key]["x"] * SCALE_X), "y": round(layout[key]["y"] * SCALE_Y)}
        for key in keys.values()
    }
    min_x = min(p["x"] for p in position.values()) - PADDING
    min_y = min(p["y"] for p in position.values()) - PADDING
    max_x = max(p["x"] for p in position.values()) + BOX_WIDTH + PADDING
    max_y = max(p["y"] for p in position.values()) + BOX_HEIGHT + PADDING
    boxes = []
    for index, key in keys.items():
        node = nodes[index]
        kind = str(node.get("type") or "")
        boxes.append(
            {
                "key": key,
                "x": str(position[key]["x"]),
                "y": str(position[key]["y"]),
                # Where the two text lines start inside the box.
                "tx": str(position[key]["x"] + 14),
                "label_y": str(position[key]["y"] + 22),
                "type_y": str(position[key]["y"] + 40),
                "label": _label(node),
                "type": kind,
                "color": TYPE_COLORS.get(kind, DEFAULT_COLOR),
            }
        )
    key_of = {str(node.get("id")): keys[index] for index, node in enumerate(nodes)}
    edges = []
    for edge in document.get("edges") or []:
        if not isinstance(edge, Mapping):
            continue
        source, target = key_of.get(str(edge.get("source"))), key_of.get(str(edge.get("target")))
        if source is None or target is None:
            continue
        sx = position[source]["x"] + BOX_WIDTH
        sy = position[source]["y"] + BOX_HEIGHT / 2
        tx, ty = position[target]["x"], position[target]["y"] + BOX_HEIGHT / 2
        handle = str(edge.get("source_handle") or "out")
        edges.append(
            {
                "d": f"M {sx} {sy} C {sx + CURVE} {sy}, {tx - CURVE} {ty}, {tx} {ty}",
                "label": "" if handle == "out" else handle,
                "lx": str(sx + 8),
                "ly": str(sy + (ty - sy) * 0.25 - 6),
            }
        )
    width, height = max_x - min_x, max_y - min_y
    return {
        "view_box": f"{min_x} {min_y} {width} {height}",
        "width": str(width),
        "height": str(height),
        "min_width": str(round(width * MIN_SCALE)),
        "nodes": boxes,
        "edges": edges,
    }
