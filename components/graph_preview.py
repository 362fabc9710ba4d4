"""A read-only workflow graph as SVG (layout: agentflow.services.templates.preview).

Node labels are SVG text elements filled with data, so a name such as
``<script>`` shows as those characters and is never interpreted.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from agentflow.services.templates.preview import BOX_HEIGHT, BOX_WIDTH

svg = rx.el.svg


def _edge(edge: ObjectVar[dict[str, str]]) -> rx.Component:
    return svg.g(
        svg.path(
            d=edge["d"],
            custom_attrs={"fill": "none", "stroke": "var(--gray-8)", "stroke-width": "2"},
        ),
        svg.text(
            edge["label"],
            x=edge["lx"],
            y=edge["ly"],
            custom_attrs={"fill": "var(--gray-11)", "font-size": "11"},
        ),
    )


def _node(node: ObjectVar[dict[str, str]]) -> rx.Component:
    return svg.g(
        svg.rect(
            x=node["x"],
            y=node["y"],
            width=str(BOX_WIDTH),
            height=str(BOX_HEIGHT),
            rx="10",
            custom_attrs={
                "fill": "var(--color-panel-solid)",
                "stroke": node["color"],
                "stroke-width": "2",
            },
        ),
        svg.rect(
            x=node["x"],
            y=node["y"],
            width="6",
            height=str(BOX_HEIGHT),
            rx="3",
            custom_attrs={"fill": node["color"]},
        ),
        svg.text(
            node["label"],
            x=node["tx"],
            y=node["label_y"],
            custom_attrs={"fill": "var(--gray-12)", "font-size": "13", "font-weight": "600"},
        ),
        svg.text(
            node["type"],
            x=node["tx"],
            y=node["type_y"],
            custom_attrs={"fill": "var(--gray-11)", "font-size": "11"},
        ),
        data_testid="preview-node",
    )


def graph_preview(
    nodes: Any,
    edges: Any,
    view_box: Any,
    width: Any,
    min_width: Any,
    label: str = "Workflow preview",
) -> rx.Component:
    """State vars holding the parts of :func:`template_preview.preview`'s result:
    ``nodes`` and ``edges`` (lists of dicts of strings), ``view_box``, ``width`` (the
    natural size in pixels, never exceeded) and ``min_width`` (the least it shrinks to
    fit; a wider graph scrolls sideways)."""
    return rx.box(
        svg(
            svg.title(label),
            rx.foreach(edges, _edge),
            rx.foreach(nodes, _node),
            custom_attrs={
                "viewBox": view_box,
                "preserveAspectRatio": "xMidYMid meet",
                "role": "img",
                "aria-label": label,
            },
            style={
                "width": "100%",
                "height": "auto",
                "max_width": width + "px",
                "min_width": min_width + "px",
                "display": "block",
                "margin": "0 auto",
            },
        ),
        width="100%",
        overflow_x="auto",
        padding="12px",
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="12px",
        background=rx.color("gray", 2),
        data_testid="template-preview",
    )
