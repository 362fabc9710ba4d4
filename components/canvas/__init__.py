"""The builder canvas and the template field: two local React components wrapped for Reflex.

``flow_canvas.jsx`` (with ``canvas_node.jsx``, ``palette.jsx`` and
``canvas_styles.js``) uses React Flow 12 (``@xyflow/react``, pinned below so the
frontend build installs exactly that version); ``template_field.jsx`` is a
textarea with autocomplete. Both are copied into the frontend with
``rx.asset(..., shared=True)`` and imported from ``$/public/...``.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import no_args_event_spec, passthrough_event_spec

XYFLOW = "@xyflow/react@12.12.1"
# Modules flow_canvas.jsx imports (relative paths): copied next to it.
CANVAS_MODULES = ("canvas_node.jsx", "palette.jsx", "canvas_styles.js", "compare_view.jsx")
for _module in CANVAS_MODULES:
    rx.asset(_module, shared=True)


class FlowCanvas(rx.NoSSRComponent):
    """Palette + React Flow canvas; see flow_canvas.jsx for the protocol."""

    library = rx.asset("flow_canvas.jsx", shared=True).importable_path
    tag = "FlowCanvas"
    lib_dependencies: list[str] = [XYFLOW]

    graph: rx.Var[dict[str, Any]]
    patch: rx.Var[dict[str, Any]]
    node_types: rx.Var[dict[str, Any]]
    type_order: rx.Var[list[str]]
    problems: rx.Var[dict[str, list[str]]]
    run_states: rx.Var[dict[str, Any]]
    focus: rx.Var[dict[str, Any]]
    command: rx.Var[dict[str, Any]]
    color_mode: rx.Var[str]
    dirty: rx.Var[bool]
    # A version comparison to draw read-only over the editor ({} for none).
    compare: rx.Var[dict[str, Any]]

    # (mypy cannot read Reflex's event-spec annotations)
    on_graph_change: rx.EventHandler[passthrough_event_spec(dict[str, Any], int)]  # type: ignore[type-arg,valid-type]
    on_select: rx.EventHandler[passthrough_event_spec(str)]  # type: ignore[type-arg,valid-type]
    on_decide: rx.EventHandler[passthrough_event_spec(str, bool)]  # type: ignore[type-arg,valid-type]
    on_close_compare: rx.EventHandler[no_args_event_spec]  # type: ignore[type-arg,valid-type]


class TemplateField(rx.Component):
    """Textarea with autocomplete of input.*, env.* and upstream node outputs."""

    library = rx.asset("template_field.jsx", shared=True).importable_path
    tag = "TemplateField"

    value: rx.Var[str]
    suggestions: rx.Var[list[dict[str, str]]]
    mode: rx.Var[str]
    rows: rx.Var[int]
    placeholder: rx.Var[str]
    invalid: rx.Var[bool]
    reset_key: rx.Var[str]
    test_id: rx.Var[str]
    field_id: rx.Var[str]

    on_value_change: rx.EventHandler[passthrough_event_spec(str)]  # type: ignore[type-arg,valid-type]


flow_canvas = FlowCanvas.create
template_field = TemplateField.create
