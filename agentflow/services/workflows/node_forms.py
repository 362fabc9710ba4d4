"""Forms generated from a node type's config schema, and the edits they make.

A *field* is a plain dict the UI renders::

    {"key": "config.prompt", "label": "Prompt", "description": "...", "widget": "template",
     "value": "<text shown>", "checked": False, "options": [...], "placeholder": "...",
     "required": True, "error": "", "rows": 3, "section": "config"}

Widgets: ``text``, ``number``, ``integer``, ``select``, ``switch``, ``lines`` (a list of
strings, one per line), ``template`` (a template string), ``template_any`` (a template,
or JSON whose strings are templates), ``expression``, ``json``. Keys are dotted paths
into the node (``name``, ``config.x``, ``retry.max_attempts``, ``timeout_s``,
``on_error``) or, for the workflow form, into the document (``inputs``, ``output``,
``settings.timeout_s``). Editing never mutates the document it is given.

Text that does not parse (invalid JSON, a number that is not one) leaves the
document unchanged and comes back as an error; the caller keeps the text as a
draft so nothing typed is lost.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping
from typing import Any

from pydantic.fields import FieldInfo

from agentflow.errors import InvalidInput
from agentflow.nodes.registry import get_node_type
from agentflow.spec.models import Document, Node, Retry, Settings
from agentflow.spec.node_types import SHOWN_WHEN_KEY

UNSET = "__unset__"
Field = dict[str, Any]

_NODE_POLICY: list[tuple[str, str, str, FieldInfo]] = [
    ("retry.max_attempts", "Max attempts", "integer", Retry.model_fields["max_attempts"]),
    ("retry.backoff_s", "Backoff (s)", "number", Retry.model_fields["backoff_s"]),
    ("retry.backoff_factor", "Backoff factor", "number", Retry.model_fields["backoff_factor"]),
    ("retry.max_backoff_s", "Max backoff (s)", "number", Retry.model_fields["max_backoff_s"]),
    ("timeout_s", "Timeout per attempt (s)", "number", Node.model_fields["timeout_s"]),
]
ON_ERROR_OPTIONS = ["fail", "continue", "route"]


# -- schema -> widgets ---------------------------------------------------------------------


def _resolve(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return defs.get(ref.removeprefix("#/$defs/"), {})
    return schema


def _variants(prop: Mapping[str, Any], defs: Mapping[str, Any]) -> tuple[list[Any], bool]:
    options = prop.get("anyOf")
    variants = [_resolve(v, defs) for v in options] if isinstance(options, list) else [prop]
    concrete = [v for v in variants if v.get("type") != "null"]
    return concrete, len(concrete) < len(variants)


def widget_for(prop: Mapping[str, Any], defs: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The widget for one schema property, and its options when it is a select."""
    kind = prop.get("x-agentflow-kind")
    variants, _ = _variants(prop, defs)
    types = {v.get("type") for v in variants}
    if kind == "template":
        if types == {"string"}:
            return "template", []
        if types == {"number", "string"}:
            return "template_number", []
        return "template_any", []
    if kind == "expression":
        return "expression", []
    if kind == "model":
        return "model", []
    if kind in ("json", "subflow"):
        return "json", []
    if len(variants) == 1 and isinstance(variants[0].get("enum"), list):
        return "select", [str(option) for option in variants[0]["enum"]]
    if types == {"boolean"}:
        return "switch", []
    if types == {"integer"}:
        return "integer", []
    if types <= {"number", "integer"} and types:
        return "number", []
    if types == {"string"}:
        return "text", []
    if types == {"array"} and variants[0].get("items", {}).get("type") == "string":
        return "lines", []
    return "json", []


def _get(target: Mapping[str, Any], path: list[str]) -> tuple[bool, Any]:
    current: Any = target
    for part in path:
        if not isinstance(current, Mapping) or part not in current:
            return False, None
        current = current[part]
    return True, current


def _display(widget: str, present: bool, value: Any) -> str:
    if not present or value is None:
        return ""
    if widget in ("text", "model", "template", "expression", "select") and isinstance(value, str):
        return value
    if widget == "lines" and isinstance(value, list):
        return "\n".join(str(item) for item in value)
    if widget in ("number", "integer") and isinstance(value, int | float):
        return str(value)
    if widget in ("template_any", "template_number") and isinstance(value, str):
        return value
    if widget == "template_number" and isinstance(value, int | float):
        return str(value)
    return json.dumps(value, indent=2, ensure_ascii=False)


def _field(
    key: str,
    label: str,
    widget: str,
    target: Mapping[str, Any],
    *,
    section: str,
    description: str = "",
    options: list[str] | None = None,
    required: bool = False,
    default: Any = None,
    drafts: Mapping[str, tuple[str, str]] | None = None,
) -> Field:
    present, value = _get(target, key.split("."))
    text = _display(widget, present, value)
    if widget == "select" and not text:
        text = str(default) if default is not None else UNSET
    error = ""
    if drafts and key in drafts:
        text, error = drafts[key]
    placeholder = ""
    if default is not None and widget != "select":
        placeholder = f"default: {json.dumps(default) if not isinstance(default, str) else default}"
    elif widget == "template":
        placeholder = "Text; type {{ for input, env and node outputs"
    elif widget == "expression":
        placeholder = "e.g. input.count > 5"
    choices = list(options or [])
    if widget == "select" and (not required and default is None):
        choices = [UNSET, *choices]
    return {
        "key": key,
        "label": label + (" *" if required else ""),
        "description": description,
        "widget": widget,
        "value": text,
        "checked": bool(value) if present else bool(default),
        "options": choices,
        "placeholder": placeholder,
        "required": required,
        "error": error,
        "rows": 6 if widget in ("json", "template_any") else 2 if widget == "expression" else 3,
        "section": section,
    }


def config_fields(
    node: Mapping[str, Any], drafts: Mapping[str, tuple[str, str]] | None = None
) -> list[Field]:
    """The config form of ``node``'s type; empty for an unknown type."""
    node_type = get_node_type(str(node.get("type")))
    if node_type is None:
        return []
    schema = node_type.config_schema()
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    properties = schema.get("properties", {})
    config = node.get("config")
    config = config if isinstance(config, Mapping) else {}
    fields = []
    for name, prop in properties.items():
        if not _applies(prop, config, properties):
            continue
        widget, options = widget_for(prop, defs)
        fields.append(
            _field(
                f"config.{name}",
                str(prop.get("title") or name),
                widget,
                node,
                section="config",
                description=str(prop.get("description", "")),
                options=options,
                required=name in required,
                default=prop.get("default"),
                drafts=drafts,
            )
        )
    return fields


def _applies(
    prop: Mapping[str, Any], config: Mapping[str, Any], properties: Mapping[str, Any]
) -> bool:
    """Whether a field applies to this config (a cron only to a schedule trigger)."""
    when = prop.get(SHOWN_WHEN_KEY)
    if not isinstance(when, Mapping):
        return True
    for field, values in when.items():
        current = config.get(field, properties.get(field, {}).get("default"))
        if current not in values:
            return False
    return True


def node_fields(
    node: Mapping[str, Any], drafts: Mapping[str, tuple[str, str]] | None = None
) -> list[Field]:
    """Name, the config form, then retry, timeout and on_error."""
    fields = [
        _field("name", "Name", "text", node, section="general", drafts=drafts),
        *config_fields(node, drafts),
    ]
    for key, label, widget, info in _NODE_POLICY:
        fields.append(
            _field(
                key,
                label,
                widget,
                node,
                section="policy",
                description=str(info.description or ""),
                default=info.default,
                drafts=drafts,
            )
        )
    fields.append(
        _field(
            "on_error",
            "On error",
            "select",
            node,
            section="policy",
            description="fail: the run fails; continue: output {error}; route: the error handle.",
            options=ON_ERROR_OPTIONS,
            default="fail",
            drafts=drafts,
        )
    )
    return fields


def workflow_fields(
    document: Mapping[str, Any], drafts: Mapping[str, tuple[str, str]] | None = None
) -> list[Field]:
    """The workflow's own settings: description, inputs schema, output, run limits."""
    settings = Settings.model_fields
    return [
        _field("description", "Description", "text", document, section="general", drafts=drafts),
        _field(
            "inputs",
            "Inputs (JSON Schema)",
            "json",
            document,
            section="general",
            description=str(Document.model_fields["inputs"].description),
            drafts=drafts,
        ),
        _field(
            "output",
            "Output",
            "template_any",
            document,
            section="general",
            description="A template, or JSON whose strings are templates. Empty: the sink "
            "nodes' outputs.",
            drafts=drafts,
        ),
        _field(
            "settings.timeout_s",
            "Run timeout (s)",
            "number",
            document,
            section="policy",
            description=str(settings["timeout_s"].description),
            default=settings["timeout_s"].default,
            drafts=drafts,
        ),
        _field(
            "settings.max_parallel",
            "Max parallel nodes",
            "integer",
            document,
            section="policy",
            description=str(settings["max_parallel"].description),
            default=settings["max_parallel"].default,
            drafts=drafts,
        ),
    ]


# -- edits ---------------------------------------------------------------------------------


class FieldError(InvalidInput):
    """A form field's text is not a valid value for its widget."""


def parse_value(widget: str, text: str, required: bool) -> tuple[bool, Any]:
    """``(keep, value)`` for the text typed in a field; ``keep`` False removes the key.

    Raises FieldError when the text cannot be the field's value.
    """
    stripped = text.strip()
    if widget in ("text", "template", "expression"):
        return (True, text) if text or required else (False, None)
    if widget == "model":  # a litellm model string never has spaces around it
        return (True, stripped) if stripped or required else (False, None)
    if widget == "select":
        return (False, None) if text in ("", UNSET) else (True, text)
    if widget == "lines":
        items = [line.strip() for line in text.splitlines() if line.strip()]
        return (True, items) if items or required else (False, None)
    if not stripped:
        return (True, "") if required and widget == "template_any" else (False, None)
    if widget in ("number", "integer"):
        try:
            number = float(stripped)
        except ValueError:
            raise FieldError("not a number") from None
        if not math.isfinite(number):
            raise FieldError("not a finite number")
        if widget == "integer":
            if not number.is_integer():
                raise FieldError("must be a whole number")
            return True, int(number)
        return True, int(number) if number.is_integer() and "." not in stripped else number
    if widget == "template_any":
        return (True, _loads(stripped)) if stripped[0] in "{[" else (True, text)
    if widget == "template_number":
        try:
            number = float(stripped)
        except ValueError:
            return True, text
        if not math.isfinite(number):
            return True, text
        return True, int(number) if number.is_integer() and "." not in stripped else number
    if widget == "json":
        return True, _loads(stripped)
    raise FieldError(f"unknown widget {widget!r}")


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FieldError(
            f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None


def set_path(target: Mapping[str, Any], path: list[str], keep: bool, value: Any) -> dict[str, Any]:
    """A copy of ``target`` with ``path`` set to ``value`` (or removed); empty parents go."""
    updated = dict(target)
    head, rest = path[0], path[1:]
    if not rest:
        if keep:
            updated[head] = copy.deepcopy(value)
        else:
            updated.pop(head, None)
        return updated
    child = updated.get(head)
    child = child if isinstance(child, Mapping) else {}
    new_child = set_path(child, rest, keep, value)
    if new_child or (head in updated and head == "config"):
        updated[head] = new_child
    else:
        updated.pop(head, None)
    return updated


def edit(target: Mapping[str, Any], field: Field, text: str) -> dict[str, Any]:
    """``target`` (a node or a document) with ``field`` set from ``text``; FieldError if not."""
    keep, value = parse_value(field["widget"], text, bool(field["required"]))
    return set_path(target, field["key"].split("."), keep, value)


def edit_flag(target: Mapping[str, Any], field: Field, checked: bool) -> dict[str, Any]:
    return set_path(target, field["key"].split("."), True, checked)
