"""The builder canvas and the template field: two local React components wrapped for Reflex.

``flow_canvas.jsx`` uses React Flow 12 (``@xyflow/react``, pinned below so the
frontend build installs exactly that version); it is made of the modules beside
it (``builder.jsx``, the ``use_*.js`` hooks, ``canvas_*.jsx``, ``palette.jsx``,
``compare_view.jsx``...). ``template_field.jsx`` is a textarea with autocomplete.
Every ``.js``/``.jsx`` file of this folder is linked into the frontend with
``rx.asset(..., shared=True)``, so the relative imports between them resolve, and
the two components are imported from ``$/public/...``. ESLint checks them
(``make lint-js``, config in ``tools/eslint/``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import reflex as rx
from reflex_base.event import no_args_event_spec, passthrough_event_spec

XYFLOW = "@xyflow/react@12.12.1"
# The modules the components import (relative paths): all linked next to them.
CANVAS_MODULES = tuple(
    sorted(p.name for p in Path(__file__).parent.iterdir() if p.suffix in {".js", ".jsx"})
)
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
